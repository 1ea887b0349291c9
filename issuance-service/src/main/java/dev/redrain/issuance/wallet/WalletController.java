package dev.redrain.issuance.wallet;

import dev.redrain.issuance.security.SignedApp;
import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/wallet/{actId}} and {@code POST /v1/wallet/{actId}/withdrawals}. */
@RestController
class WalletController {
    private final WalletService wallets;
    private final WithdrawalService withdrawals;

    WalletController(WalletService wallets, WithdrawalService withdrawals) {
        this.wallets = wallets;
        this.withdrawals = withdrawals;
    }

    @GetMapping(path = "/v1/wallet/{actId}", produces = "application/json")
    WalletService.Balance balance(@PathVariable String actId,
            @RequestParam(defaultValue = "CNY") String currency, HttpServletRequest http) {
        Validation.id("actId", actId);
        if (!currency.matches("[A-Z]{3,16}")) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "currency is an asset code");
        }
        return wallets.balance(SignedApp.of(http), actId, currency);
    }

    record WithdrawalRequest(String requestId, Long amountMinor, String currency,
            List<String> tokens) {
    }

    @PostMapping(path = "/v1/wallet/{actId}/withdrawals", consumes = "application/json",
            produces = "application/json")
    WithdrawalService.Withdrawal withdraw(@PathVariable String actId,
            @RequestBody WithdrawalRequest request, HttpServletRequest http) {
        Validation.id("actId", actId);
        String requestId = Validation.id("requestId", request.requestId());
        if (request.amountMinor() == null) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "amountMinor is required");
        }
        if (request.currency() != null && !request.currency().equals(WalletService.CASH)) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT,
                    ErrorCode.NOT_WITHDRAWABLE, "only " + WalletService.CASH
                            + " can be withdrawn");
        }
        return withdrawals.withdraw(SignedApp.of(http), actId, requestId, request.amountMinor(),
                request.tokens() == null ? List.of() : request.tokens());
    }
}
