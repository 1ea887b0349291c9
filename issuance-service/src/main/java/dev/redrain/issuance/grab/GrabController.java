package dev.redrain.issuance.grab;

import dev.redrain.issuance.security.SignedApp;
import dev.redrain.issuance.web.Validation;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /v1/grab}. */
@RestController
class GrabController {
    private final GrabService grabs;

    GrabController(GrabService grabs) {
        this.grabs = grabs;
    }

    record GrabRequest(String appId, String userId, String activityId, String sceneId,
            String rainId, String awardType) {
    }

    record Award(String type, long amountMinor, String currency) {
    }

    record GrabResponse(String outcome, Award award, String token, String outTradeNo,
            String actId) {
    }

    @PostMapping(path = "/v1/grab", consumes = "application/json",
            produces = "application/json")
    GrabResponse grab(@RequestBody GrabRequest request, HttpServletRequest http) {
        GrabCommand command = new GrabCommand(Validation.id("appId", request.appId()),
                Validation.id("userId", request.userId()),
                Validation.id("activityId", request.activityId()),
                Validation.id("sceneId", request.sceneId()),
                Validation.id("rainId", request.rainId()),
                Validation.optionalId("awardType", request.awardType()));
        SignedApp.requireSame(http, command.appId());
        GrabAnswer answer = grabs.grab(command);
        Award award = answer.outTradeNo() == null ? null
                : new Award(answer.awardType(), answer.amountMinor(), answer.currency());
        return new GrabResponse(answer.outcome().name(), award, answer.token(),
                answer.outTradeNo(), answer.actId());
    }
}
