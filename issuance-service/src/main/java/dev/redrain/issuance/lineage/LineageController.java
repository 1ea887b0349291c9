package dev.redrain.issuance.lineage;

import dev.redrain.issuance.web.Validation;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /admin/lineage/{outTradeNo}}: a token's whole life across the stores (any
 * operator token; reads only). {@code actId} helps only when no store names the token's user.
 */
@RestController
class LineageController {
    private final TokenLineage lineage;

    LineageController(TokenLineage lineage) {
        this.lineage = lineage;
    }

    @GetMapping("/admin/lineage/{outTradeNo}")
    TokenLineage.Lineage lineage(@PathVariable String outTradeNo,
            @RequestParam(required = false) String actId) {
        return lineage.of(outTradeNo, actId == null ? null : Validation.id("actId", actId));
    }
}
