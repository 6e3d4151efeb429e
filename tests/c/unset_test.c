/*
 * Zero means "not given", in plain C: a zero-initialised cg_ask with only
 * at, to, debt and a zone set is CG_RESULT_MISSING_FIELD naming `ask.role`
 * (never a call to the debtor), and the decision fails closed; an attempt
 * whose result is left at 0 (CG_ATTEMPT_RESULT_UNSET) is refused naming
 * `event.result` by the history and the ledger, and a completion with it
 * naming `result`. A zero-initialised event (no type) is refused naming
 * `event.type` (never read as an attempt), and a hold whose reason is left
 * at 0 (CG_HOLD_REASON_UNSET) naming `event.reason` (never a dispute),
 * alone and within cg_history_push_many. Exits 0 when every check holds; prints the first that
 * does not.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "contactguard.h"

static cg_str str(const char *s) {
    cg_str out = {s, strlen(s)};
    return out;
}

static int same(cg_str got, const char *want) {
    return got.len == strlen(want) && (got.len == 0 || memcmp(got.ptr, want, got.len) == 0);
}

#define CHECK(cond)                                                 \
    do {                                                            \
        if (!(cond)) {                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            goto done;                                              \
        }                                                           \
    } while (0)

int main(void) {
    int status = 1;
    const char *presets = "us-reg-f";
    const cg_policy *policy = NULL;
    cg_history *history = NULL;
    cg_decision *decision = NULL;
    cg_ledger *ledger = NULL;
    cg_ticket *ticket = NULL;
    cg_error *err = NULL;
    cg_event attempt = {0};
    cg_event blank = {0};
    cg_event hold = {0};
    cg_event pair[2];
    cg_str zones[1];
    cg_ask ask = {0};

    zones[0] = str("America/New_York");
    CHECK(cg_abi_version() == CG_ABI_VERSION);
    CHECK(CG_CHANNEL_UNSET == 0 && CG_ROLE_UNSET == 0 && CG_PLACE_UNSET == 0 && CG_PURPOSE_UNSET == 0);
    CHECK(CG_ATTEMPT_RESULT_UNSET == 0 && CG_ATTEMPT_RESULT_NOT_CONNECTED == 1 && CG_ATTEMPT_RESULT_PENDING == 7);
    CHECK(CG_EVENT_TYPE_UNSET == 0 && CG_EVENT_TYPE_ATTEMPT == 1 && CG_EVENT_TYPE_UNREACHABLE == 10);
    CHECK(CG_HOLD_REASON_UNSET == 0 && CG_HOLD_REASON_DISPUTE == 1 && CG_HOLD_REASON_DECEASED == 6);
    CHECK(cg_policy_from_presets(presets, strlen(presets), &policy, NULL) == CG_RESULT_OK);
    CHECK(cg_history_new(&history, NULL) == CG_RESULT_OK);
    CHECK(cg_decision_new(&decision, NULL) == CG_RESULT_OK);

    ask.at.seconds = INT64_C(1792072800); /* 2026-10-15T10:00:00-04:00 */
    ask.to = str("+1-617-555-0100");
    ask.debt = str("loan-42");
    ask.timezones = zones;
    ask.timezones_len = 1;
    CHECK(cg_decide(policy, history, &ask, decision, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(cg_error_result(err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_code(err), "ffi.missing_field"));
    CHECK(same(cg_error_field(err), "ask.role"));
    CHECK(!cg_decision_allow(decision));
    cg_error_free(err);
    err = NULL;

    /* Given the role and channel, the same ask is decided (and allowed). */
    ask.role = CG_ROLE_DEBTOR;
    ask.channel = CG_CHANNEL_CALL;
    CHECK(cg_decide(policy, history, &ask, decision, &err) == CG_RESULT_OK);
    CHECK(cg_decision_allow(decision));

    /* An attempt event with everything but its result. */
    attempt.type = CG_EVENT_TYPE_ATTEMPT;
    attempt.at.seconds = INT64_C(1792069200); /* an hour before the ask */
    attempt.channel = CG_CHANNEL_CALL;
    attempt.to = str("+1-617-555-0100");
    attempt.role = CG_ROLE_DEBTOR;
    attempt.debt = str("loan-42");
    CHECK(cg_history_push(history, &attempt, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_code(err), "ffi.missing_field"));
    CHECK(same(cg_error_field(err), "event.result"));
    CHECK(cg_error_row(err) == -1 && cg_error_file(err).len == 0);
    CHECK(cg_history_len(history) == 0);
    cg_error_free(err);
    err = NULL;

    CHECK(cg_ledger_new(policy, NULL, 0, &ledger, NULL) == CG_RESULT_OK);
    CHECK(cg_ledger_record(ledger, &attempt, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_field(err), "event.result"));
    cg_error_free(err);
    err = NULL;

    /* Set, it is recorded; and a pending attempt is not completed with 0. */
    attempt.result = CG_ATTEMPT_RESULT_NO_ANSWER;
    CHECK(cg_history_push(history, &attempt, NULL) == CG_RESULT_OK);
    CHECK(cg_ledger_record(ledger, &attempt, NULL) == CG_RESULT_OK);
    CHECK(cg_ledger_check_and_record(ledger, &ask, decision, &ticket, NULL) == CG_RESULT_OK);
    CHECK(ticket != NULL);
    CHECK(cg_ledger_complete(ledger, ticket, CG_ATTEMPT_RESULT_UNSET, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_code(err), "ffi.missing_field"));
    CHECK(same(cg_error_field(err), "result"));
    cg_error_free(err);
    err = NULL;
    CHECK(cg_ledger_complete(ledger, ticket, CG_ATTEMPT_RESULT_CONVERSATION, NULL) == CG_RESULT_OK);

    /* A zero-initialised event, even with at and to set, has no type. */
    blank.at.seconds = INT64_C(1792069200);
    blank.to = str("+1-617-555-0100");
    CHECK(cg_history_push(history, &blank, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(cg_error_result(err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_code(err), "ffi.missing_field"));
    CHECK(same(cg_error_field(err), "event.type"));
    cg_error_free(err);
    err = NULL;
    CHECK(cg_ledger_record(ledger, &blank, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_field(err), "event.type"));
    cg_error_free(err);
    err = NULL;

    /* A hold with its debt but no reason; in a batch, named by its index. */
    hold.type = CG_EVENT_TYPE_HOLD;
    hold.at.seconds = INT64_C(1792069200);
    hold.debt = str("loan-42");
    CHECK(cg_history_push(history, &hold, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_code(err), "ffi.missing_field"));
    CHECK(same(cg_error_field(err), "event.reason"));
    cg_error_free(err);
    err = NULL;
    pair[0] = attempt;
    pair[1] = hold;
    CHECK(cg_history_push_many(history, pair, 2, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_field(err), "events[1].reason"));
    cg_error_free(err);
    err = NULL;
    pair[1] = blank;
    CHECK(cg_history_push_many(history, pair, 2, &err) == CG_RESULT_MISSING_FIELD);
    CHECK(same(cg_error_field(err), "events[1].type"));
    cg_error_free(err);
    err = NULL;
    CHECK(cg_history_len(history) == 1);
    CHECK(cg_decide(policy, history, &ask, decision, NULL) == CG_RESULT_OK);
    CHECK(cg_decision_allow(decision));

    /* With a reason the hold is taken, and it denies the ask. */
    hold.reason = CG_HOLD_REASON_DISPUTE;
    CHECK(cg_history_push(history, &hold, NULL) == CG_RESULT_OK);
    CHECK(cg_history_len(history) == 2);
    CHECK(cg_decide(policy, history, &ask, decision, NULL) == CG_RESULT_OK);
    CHECK(!cg_decision_allow(decision));

    printf("zero-initialised ask: missing role; attempt without a result: missing result; event without a type: "
           "missing type; hold without a reason: missing reason, as it should be\n");
    status = 0;

done:
    cg_error_free(err);
    cg_ticket_free(ticket);
    cg_ledger_free(ledger);
    cg_decision_free(decision);
    cg_history_free(history);
    cg_policy_free(policy);
    return status;
}
