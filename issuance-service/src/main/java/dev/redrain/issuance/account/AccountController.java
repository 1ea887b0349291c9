package dev.redrain.issuance.account;

import dev.redrain.issuance.security.SignedApp;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /v1/accounts/bind}: the unified actId of an app's user. */
@RestController
class AccountController {
    private final AccountService accounts;

    AccountController(AccountService accounts) {
        this.accounts = accounts;
    }

    record BindRequest(String appId, String userId) {
    }

    record BindResponse(String actId) {
    }

    @PostMapping(path = "/v1/accounts/bind", consumes = "application/json",
            produces = "application/json")
    BindResponse bind(@RequestBody BindRequest request, HttpServletRequest http) {
        String appId = Validation.id("appId", request.appId());
        String userId = Validation.id("userId", request.userId());
        SignedApp.requireSame(http, appId);
        return new BindResponse(accounts.bind(appId, userId));
    }
}
