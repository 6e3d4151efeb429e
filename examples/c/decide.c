/*
 * decide: may we call this debtor at 07:59 New York time under Regulation F
 * and Massachusetts rules, after two calls this week?
 *
 *   cc -std=c11 decide.c $(pkg-config --cflags --libs contactguard) -o decide
 *   ./decide [PRESETS]        (default: us-reg-f+us-ma)
 *
 * A real program with one cleanup exit: every handle starts NULL, every
 * failure jumps to `done`, and `done` frees everything (freeing NULL is a
 * no-op), so nothing leaks on any path.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "contactguard.h"

/* Prints a cg_str, which is not NUL-terminated. */
static void print_str(const char *label, cg_str s) {
    printf("%s%.*s\n", label, (int)s.len, s.ptr ? s.ptr : "");
}

static cg_str str(const char *s) {
    cg_str out = {s, strlen(s)};
    return out;
}

static void report(const char *what, cg_error *err) {
    cg_str msg = cg_error_message(err);
    cg_str field = cg_error_field(err);
    fprintf(stderr, "%s failed (%u): %.*s", what, (unsigned)cg_error_result(err), (int)msg.len,
            msg.ptr ? msg.ptr : "");
    cg_str file = cg_error_file(err);
    cg_str code = cg_error_code(err);
    if (file.len > 0) {
        fprintf(stderr, " in %.*s", (int)file.len, file.ptr);
    }
    if (cg_error_line(err) > 0) {
        fprintf(stderr, " at line %u column %u", cg_error_line(err), cg_error_column(err));
    }
    if (field.len > 0) {
        fprintf(stderr, " in `%.*s`", (int)field.len, field.ptr);
    }
    fprintf(stderr, " [%.*s]\n", (int)code.len, code.ptr ? code.ptr : "");
}

int main(int argc, char **argv) {
    int status = 1;
    const char *presets = argc > 1 ? argv[1] : "us-reg-f+us-ma";
    const cg_policy *policy = NULL;
    cg_history *history = NULL;
    cg_decision *decision = NULL;
    cg_error *err = NULL;
    const char *step = "";

    step = "loading the policy";
    if (cg_policy_from_presets(presets, strlen(presets), &policy, &err) != CG_RESULT_OK) goto done;
    print_str("policy: ", cg_policy_name(policy));

    step = "building the history";
    if (cg_history_new(&history, &err) != CG_RESULT_OK) goto done;
    /* Two unanswered calls on Monday and Tuesday, 2026-10-12 and -13, 10:00 EDT. */
    for (int day = 0; day < 2; day++) {
        cg_event call = {0};
        call.type = CG_EVENT_TYPE_ATTEMPT;
        call.at.seconds = INT64_C(1791813600) + day * 86400;
        call.channel = CG_CHANNEL_CALL;
        call.to = str("+1-617-555-0100");
        call.role = CG_ROLE_DEBTOR;
        call.debt = str("loan-42");
        call.result = CG_ATTEMPT_RESULT_NO_ANSWER;
        if (cg_history_push(history, &call, &err) != CG_RESULT_OK) goto done;
    }

    step = "deciding";
    if (cg_decision_new(&decision, &err) != CG_RESULT_OK) goto done;
    cg_str zones[] = {str("America/New_York")};
    cg_ask ask = {0};
    ask.at.seconds = INT64_C(1792065540); /* 2026-10-15T07:59:00-04:00 */
    ask.channel = CG_CHANNEL_CALL;
    ask.to = str("+1-617-555-0100");
    ask.role = CG_ROLE_DEBTOR;
    ask.debt = str("loan-42");
    ask.timezones = zones;
    ask.timezones_len = 1;
    ask.has_purpose = 1;
    ask.purpose = CG_PURPOSE_COLLECTION;
    if (cg_decide(policy, history, &ask, decision, &err) != CG_RESULT_OK) goto done;

    printf("allow: %s\n", cg_decision_allow(decision) ? "yes" : "no");
    for (size_t i = 0; i < cg_decision_denial_count(decision); i++) {
        cg_denial d;
        if (cg_decision_denial(decision, i, &d, &err) != CG_RESULT_OK) goto done;
        printf("denied by %.*s (%.*s): %.*s\n", (int)d.id.len, d.id.ptr, (int)d.cite.len, d.cite.ptr,
               (int)d.message.len, d.message.ptr);
    }
    cg_timestamp retry;
    if (cg_decision_retry_at(decision, &retry)) {
        printf("retry at: %" PRId64 " (unix seconds)\n", retry.seconds);
    } else {
        printf("retry at: never\n");
    }
    status = 0;

done:
    if (status != 0) report(step, err);
    cg_error_free(err);
    cg_decision_free(decision);
    cg_history_free(history);
    cg_policy_free(policy);
    return status;
}
