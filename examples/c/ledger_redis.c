/*
 * A Redis ledger from C: every dialer process that opens the same Redis with
 * the same key prefix and secret shares one exact contact history.
 *
 *   cc -std=c11 ledger_redis.c $(pkg-config --cflags --libs contactguard)
 *   ./a.out redis://dialer:password@127.0.0.1:6379/ "$CG_SECRET"
 *
 * Admits a call, shows that a second ask is denied while the first is
 * pending (Reg F: it may end as a conversation), reports the result, and
 * asks again.
 */
#include <stdio.h>
#include <string.h>

#include "contactguard.h"

static int fail(const char *what, cg_error *err) {
    cg_str msg = cg_error_message(err);
    cg_str code = cg_error_code(err);
    fprintf(stderr, "%s failed: %.*s: %.*s\n", what, (int)code.len, code.ptr, (int)msg.len, msg.ptr);
    cg_error_free(err);
    return 1;
}

static void show(const char *label, const cg_decision *d) {
    printf("%s: allow: %s", label, cg_decision_allow(d) ? "yes" : "no");
    for (size_t i = 0; i < cg_decision_denial_count(d); i++) {
        cg_denial denial;
        if (cg_decision_denial(d, i, &denial, NULL) == CG_RESULT_OK) {
            printf(" (%.*s)", (int)denial.id.len, denial.id.ptr);
        }
    }
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s REDIS_URL SECRET\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    const char *secret = argv[2];
    cg_error *err = NULL;
    const cg_policy *policy = NULL;
    if (cg_policy_from_presets("us-reg-f", strlen("us-reg-f"), &policy, &err) != CG_RESULT_OK) {
        return fail("cg_policy_from_presets", err);
    }

    /* Zero means "the default"; set struct_size so later library versions
       know which fields this program knows. */
    cg_redis_options options;
    memset(&options, 0, sizeof options);
    options.struct_size = sizeof options;
    options.key_prefix = (cg_str){"example:", strlen("example:")};
    options.connect_timeout_ms = 500;

    cg_ledger *ledger = NULL;
    if (cg_ledger_open_redis(policy, url, strlen(url), (const uint8_t *)secret, strlen(secret), &options, &ledger,
                             &err) != CG_RESULT_OK) {
        cg_policy_free(policy);
        return fail("cg_ledger_open_redis", err); /* wrong password, untrusted certificate... */
    }

    static const cg_str zones[] = {{"America/New_York", 16}};
    cg_ask ask;
    memset(&ask, 0, sizeof ask);
    ask.at = (cg_timestamp){1781100000, 0}; /* 2026-06-10T10:00:00-04:00 */
    ask.channel = CG_CHANNEL_CALL;
    ask.to = (cg_str){"+1-617-555-0100", 15};
    ask.role = CG_ROLE_DEBTOR;
    ask.debt = (cg_str){"loan-42", 7};
    ask.timezones = zones;
    ask.timezones_len = 1;

    int status = 0;
    cg_decision *decision = NULL;
    cg_ticket *ticket = NULL;
    if (cg_decision_new(&decision, &err) != CG_RESULT_OK) {
        status = fail("cg_decision_new", err);
        goto done;
    }
    /* Admitted calls are recorded as pending, atomically, across the fleet. */
    if (cg_ledger_check_and_record(ledger, &ask, decision, &ticket, &err) != CG_RESULT_OK) {
        status = fail("cg_ledger_check_and_record", err);
        goto done;
    }
    show("first call", decision);
    /* When Redis cannot answer, the ask is denied by `contactguard.redis`. */
    if (ticket == NULL) goto done;

    ask.at.seconds += 3600;
    if (cg_ledger_check(ledger, &ask, decision, &err) != CG_RESULT_OK) {
        status = fail("cg_ledger_check", err);
        goto done;
    }
    show("while the first is pending", decision);

    if (cg_ledger_complete(ledger, ticket, CG_ATTEMPT_RESULT_NO_ANSWER, &err) != CG_RESULT_OK) {
        status = fail("cg_ledger_complete", err);
        goto done;
    }
    if (cg_ledger_check(ledger, &ask, decision, &err) != CG_RESULT_OK) {
        status = fail("cg_ledger_check", err);
        goto done;
    }
    show("after it ended unanswered", decision);

done:
    cg_ticket_free(ticket);
    cg_decision_free(decision);
    cg_ledger_free(ledger);
    cg_policy_free(policy);
    return status;
}
