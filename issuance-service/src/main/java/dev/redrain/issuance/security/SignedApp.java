package dev.redrain.issuance.security;

import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;

/** The app whose signature the current request carries, set by {@link SignatureFilter}. */
public final class SignedApp {
    static final String ATTRIBUTE = SignedApp.class.getName();

    private SignedApp() {
    }

    public static String of(HttpServletRequest request) {
        Object appId = request.getAttribute(ATTRIBUTE);
        if (!(appId instanceof String id)) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, ErrorCode.BAD_SIGNATURE,
                    "this route needs an app signature");
        }
        return id;
    }

    /** The body's appId must be the signer's: an app never acts as another app. */
    public static void requireSame(HttpServletRequest request, String bodyAppId) {
        if (!of(request).equals(bodyAppId)) {
            throw new ApiException(HttpStatus.FORBIDDEN, ErrorCode.FORBIDDEN,
                    "appId in the body is not the signing app");
        }
    }
}
