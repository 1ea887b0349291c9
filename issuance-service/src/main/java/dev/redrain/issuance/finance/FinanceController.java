package dev.redrain.issuance.finance;

import dev.redrain.issuance.web.ApiException;
import dev.redrain.issuance.web.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Finance's admin API (runbooks/finance-review.md): the break workflow, corrective journals
 * and the nightly sign-off. Reads need any operator token; every change needs the FINANCE
 * role and is audited.
 */
@RestController
class FinanceController {
    private final BreakWorkflow breaks;
    private final CorrectiveJournals journals;
    private final NightSignOffs nights;

    FinanceController(BreakWorkflow breaks, CorrectiveJournals journals, NightSignOffs nights) {
        this.breaks = breaks;
        this.journals = journals;
        this.nights = nights;
    }

    record Note(String note) {
    }

    record Assignment(String assignee, String note) {
    }

    record Decision(String resolution, String note) {
    }

    record SignOffRequest(Long runId, String reportSha256, String note) {
    }

    /** A break with its timeline and its corrective journals. */
    record BreakDetail(BreakWorkflow.BreakView breakView,
            List<CorrectiveJournals.JournalView> journals) {
    }

    @GetMapping("/admin/finance/breaks")
    List<BreakWorkflow.BreakView> breaks(@RequestParam(required = false) String date,
            @RequestParam(required = false) String state,
            @RequestParam(defaultValue = "100") int limit) {
        return breaks.list(date == null ? null : date(date), state, limit);
    }

    @GetMapping("/admin/finance/breaks/{breakId}")
    BreakDetail breakDetail(@PathVariable long breakId) {
        return new BreakDetail(breaks.view(breakId), journals.ofBreak(breakId));
    }

    @PostMapping("/admin/finance/breaks/{breakId}/acknowledge")
    BreakWorkflow.BreakView acknowledge(@PathVariable long breakId, @RequestBody Note body,
            HttpServletRequest request) {
        return breaks.acknowledge(breakId, body.note(), request);
    }

    @PostMapping("/admin/finance/breaks/{breakId}/assign")
    BreakWorkflow.BreakView assign(@PathVariable long breakId, @RequestBody Assignment body,
            HttpServletRequest request) {
        return breaks.assign(breakId, body.assignee(), body.note(), request);
    }

    @PostMapping("/admin/finance/breaks/{breakId}/notes")
    BreakWorkflow.BreakView annotate(@PathVariable long breakId, @RequestBody Note body,
            HttpServletRequest request) {
        return breaks.annotate(breakId, body.note(), request);
    }

    @PostMapping("/admin/finance/breaks/{breakId}/resolve")
    BreakWorkflow.BreakView resolve(@PathVariable long breakId, @RequestBody Decision body,
            HttpServletRequest request) {
        return breaks.resolve(breakId, Resolution.parse(body.resolution()), body.note(),
                request);
    }

    @PostMapping("/admin/finance/breaks/{breakId}/journals")
    CorrectiveJournals.JournalView propose(@PathVariable long breakId, @RequestBody Note body,
            HttpServletRequest request) {
        return journals.propose(breakId, body.note(), request);
    }

    @GetMapping("/admin/finance/journals/{journalId}")
    CorrectiveJournals.JournalView journal(@PathVariable long journalId) {
        return journals.view(journalId);
    }

    @PostMapping("/admin/finance/journals/{journalId}/approve")
    CorrectiveJournals.JournalView approve(@PathVariable long journalId, @RequestBody Note body,
            HttpServletRequest request) {
        return journals.approve(journalId, body.note(), request);
    }

    @PostMapping("/admin/finance/journals/{journalId}/reject")
    CorrectiveJournals.JournalView reject(@PathVariable long journalId, @RequestBody Note body,
            HttpServletRequest request) {
        return journals.reject(journalId, body.note(), request);
    }

    @GetMapping("/admin/finance/nights/{date}")
    NightSignOffs.NightView night(@PathVariable String date) {
        return nights.night(date(date));
    }

    @PostMapping("/admin/finance/nights/{date}/sign-off")
    NightSignOffs.NightView signOff(@PathVariable String date, @RequestBody SignOffRequest body,
            HttpServletRequest request) {
        return nights.signOff(date(date), body.runId(), body.reportSha256(), body.note(),
                request);
    }

    private static LocalDate date(String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(ErrorCode.INVALID_FIELD, "a date is YYYY-MM-DD, got "
                    + text);
        }
    }
}
