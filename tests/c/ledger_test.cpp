// The ledger through the C ABI: atomic check-and-record, tickets, events,
// snapshot through a callback and restore from a buffer.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <unistd.h>
#include <vector>

#include "contactguard.h"

namespace {

cg_str s(const char *text) { return cg_str{text, std::strlen(text)}; }
std::string str(cg_str v) { return v.len ? std::string(v.ptr, v.len) : std::string(); }

// Appends every chunk to a std::vector<uint8_t>.
int32_t collect(void *user_data, const uint8_t *data, size_t len) {
    auto *out = static_cast<std::vector<uint8_t> *>(user_data);
    out->insert(out->end(), data, data + len);
    return 0;
}

int32_t refuse(void *, const uint8_t *, size_t) { return 7; }

// A call attempt to the debtor `to` about `debt`, as an event.
cg_event call_attempt(int64_t at, cg_str to, cg_str debt, cg_attempt_result result) {
    cg_event e{};
    e.type = CG_EVENT_TYPE_ATTEMPT;
    e.at.seconds = at;
    e.channel = CG_CHANNEL_CALL;
    e.to = to;
    e.role = CG_ROLE_DEBTOR;
    e.debt = debt;
    e.result = result;
    return e;
}

// An ask to call the debtor `to` about `debt`, in the time zone `*zone`
// (which must outlive the ask).
cg_ask call_ask(int64_t at, cg_str to, cg_str debt, const cg_str *zone) {
    cg_ask a{};
    a.at.seconds = at;
    a.channel = CG_CHANNEL_CALL;
    a.to = to;
    a.role = CG_ROLE_DEBTOR;
    a.debt = debt;
    a.timezones = zone;
    a.timezones_len = 1;
    return a;
}

struct Ledger : ::testing::Test {
    const cg_policy *policy = nullptr;
    cg_ledger *ledger = nullptr;
    cg_decision *decision = nullptr;
    cg_str zone = s("America/New_York");
    const char key[17] = "0123456789abcdef";

    void SetUp() override {
        ASSERT_EQ(cg_policy_from_presets("us-reg-f", 8, &policy, nullptr), CG_RESULT_OK);
        ASSERT_EQ(cg_ledger_new(policy, reinterpret_cast<const uint8_t *>(key), 16, &ledger, nullptr), CG_RESULT_OK);
        ASSERT_EQ(cg_decision_new(&decision, nullptr), CG_RESULT_OK);
    }
    void TearDown() override {
        cg_decision_free(decision);
        cg_ledger_free(ledger);
        cg_policy_free(policy);
    }
    cg_ask call(int64_t at) const {
        cg_ask a = call_ask(at, s("+1-617-555-0100"), s("loan-42"), &zone);
        a.has_purpose = 1;
        a.purpose = CG_PURPOSE_COLLECTION;
        return a;
    }
};

// Reg F: the eighth call within seven days is presumed harassment.
TEST_F(Ledger, CheckAndRecordEnforcesTheCap) {
    const int64_t monday_10am = 1791813600;  // 2026-10-12T10:00:00-04:00
    int admitted = 0;
    for (int i = 0; i < 8; i++) {
        const cg_ask a = call(monday_10am + i * 3600);
        cg_ticket *ticket = nullptr;
        ASSERT_EQ(cg_ledger_check_and_record(ledger, &a, decision, &ticket, nullptr), CG_RESULT_OK);
        if (cg_decision_allow(decision)) {
            ASSERT_NE(ticket, nullptr);
            EXPECT_EQ(cg_ticket_at(ticket).seconds, a.at.seconds);
            ASSERT_EQ(cg_ledger_complete(ledger, ticket, CG_ATTEMPT_RESULT_NO_ANSWER, nullptr), CG_RESULT_OK);
            cg_error *err = nullptr;
            EXPECT_EQ(cg_ledger_complete(ledger, ticket, CG_ATTEMPT_RESULT_NO_ANSWER, &err), CG_RESULT_LEDGER);
            EXPECT_EQ(str(cg_error_code(err)), "ledger.unknown_ticket");
            cg_error_free(err);
            admitted++;
        } else {
            EXPECT_EQ(ticket, nullptr) << "no ticket when denied";
        }
        cg_ticket_free(ticket);
    }
    EXPECT_EQ(admitted, 7);
    const cg_ask later = call(monday_10am + 86400);
    ASSERT_EQ(cg_ledger_check(ledger, &later, decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision));
    cg_timestamp retry{};
    EXPECT_TRUE(cg_decision_retry_at(decision, &retry));
}

TEST_F(Ledger, RecordedEventsCount) {
    cg_event cease{};
    cease.type = CG_EVENT_TYPE_CEASE;
    cease.at.seconds = 1791813600;
    cease.to = s("+1-617-555-0100");
    cease.debt = s("loan-42");
    ASSERT_EQ(cg_ledger_record(ledger, &cease, nullptr), CG_RESULT_OK);
    const cg_ask a = call(1791813600 + 3600);
    ASSERT_EQ(cg_ledger_check(ledger, &a, decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision));
    cg_event bad = cease;
    bad.at.seconds = INT64_C(-10000000000);  // 1653: before what the ledger stores
    cg_error *err = nullptr;
    EXPECT_EQ(cg_ledger_record(ledger, &bad, &err), CG_RESULT_LEDGER);
    EXPECT_EQ(str(cg_error_code(err)), "ledger.time_out_of_range");
    cg_error_free(err);
}

TEST_F(Ledger, SnapshotAndRestore) {
    for (int i = 0; i < 3; i++) {
        const cg_event call_event = call_attempt(1791813600 + i * 3600, s("+1-617-555-0100"), s("loan-42"),
                                                 CG_ATTEMPT_RESULT_CONVERSATION);
        ASSERT_EQ(cg_ledger_record(ledger, &call_event, nullptr), CG_RESULT_OK);
    }
    std::vector<uint8_t> bytes;
    uint64_t written = 0;
    ASSERT_EQ(cg_ledger_snapshot(ledger, collect, &bytes, &written, nullptr), CG_RESULT_OK);
    EXPECT_EQ(written, bytes.size());
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()).find("+1-617-555-0100"), std::string::npos)
        << "snapshots hold hashed keys only";

    cg_error *err = nullptr;
    EXPECT_EQ(cg_ledger_snapshot(ledger, refuse, nullptr, nullptr, &err), CG_RESULT_LEDGER);
    EXPECT_EQ(str(cg_error_code(err)), "ledger.io");
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_snapshot(ledger, nullptr, nullptr, nullptr, &err), CG_RESULT_NULL_ARGUMENT);
    cg_error_free(err);

    cg_ledger *copy = nullptr;
    ASSERT_EQ(cg_ledger_new(policy, reinterpret_cast<const uint8_t *>(key), 16, &copy, nullptr), CG_RESULT_OK);
    ASSERT_EQ(cg_ledger_restore(copy, bytes.data(), bytes.size(), nullptr), CG_RESULT_OK);
    const cg_ask a = call(1791813600 + 4 * 3600);
    cg_decision *d2 = nullptr;
    ASSERT_EQ(cg_decision_new(&d2, nullptr), CG_RESULT_OK);
    ASSERT_EQ(cg_ledger_check(ledger, &a, decision, nullptr), CG_RESULT_OK);
    ASSERT_EQ(cg_ledger_check(copy, &a, d2, nullptr), CG_RESULT_OK);
    EXPECT_EQ(cg_decision_allow(decision), cg_decision_allow(d2));
    EXPECT_EQ(cg_decision_denial_count(decision), cg_decision_denial_count(d2));

    // A corrupted snapshot is refused with a reason; a foreign key too.
    std::vector<uint8_t> corrupt = bytes;
    corrupt[corrupt.size() / 2] ^= 0x5a;
    cg_ledger *other = nullptr;
    ASSERT_EQ(cg_ledger_new(policy, nullptr, 0, &other, nullptr), CG_RESULT_OK);
    EXPECT_EQ(cg_ledger_restore(other, corrupt.data(), corrupt.size(), &err), CG_RESULT_LEDGER);
    EXPECT_EQ(str(cg_error_code(err)).rfind("ledger.", 0), 0u);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_restore(other, bytes.data(), bytes.size(), &err), CG_RESULT_LEDGER);
    EXPECT_EQ(str(cg_error_code(err)), "ledger.key_mismatch");
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_restore(other, bytes.data(), bytes.size() - 3, &err), CG_RESULT_LEDGER);
    cg_error_free(err);

    cg_ledger_free(other);
    cg_decision_free(d2);
    cg_ledger_free(copy);
}

// The cn preset, a plain ledger over it and a decision; one debtor's calls
// from a Tuesday morning in Shanghai.
struct CnLedger : ::testing::Test {
    const int64_t morning = 1772499600;  // 2026-03-03T09:00:00+08:00, a Tuesday
    const cg_policy *policy = nullptr;
    cg_ledger *ledger = nullptr;
    cg_decision *decision = nullptr;
    cg_str zone = s("Asia/Shanghai");

    void SetUp() override {
        ASSERT_EQ(cg_policy_from_presets("cn", 2, &policy, nullptr), CG_RESULT_OK);
        ASSERT_EQ(cg_ledger_new(policy, nullptr, 0, &ledger, nullptr), CG_RESULT_OK);
        ASSERT_EQ(cg_decision_new(&decision, nullptr), CG_RESULT_OK);
    }
    void TearDown() override {
        cg_decision_free(decision);
        cg_ledger_free(ledger);
        cg_policy_free(policy);
    }
    // An ask to call the debtor about loan-1 at `at`.
    cg_ask call(int64_t at) const { return call_ask(at, s("+8613800000000"), s("loan-1"), &zone); }
    // Records unanswered calls number `first` to `last` - 1 of the morning
    // (ten minutes apart) in `into`.
    static void record_unanswered(cg_ledger *into, int64_t morning, int first, int last) {
        for (int i = first; i < last; i++) {
            const cg_event e = call_attempt(morning + i * 600, s("+8613800000000"), s("loan-1"),
                                            CG_ATTEMPT_RESULT_NO_ANSWER);
            ASSERT_EQ(cg_ledger_record(into, &e, nullptr), CG_RESULT_OK);
        }
    }
};

// Issue 13: cn allows 6 unanswered calls to a debtor a local day (cn.3).
// With 5 recorded and 3 calls asked while none has ended, one is admitted:
// a pending call counts under every cap it could fall under, so when it
// ends unanswered the day has 6.
TEST_F(CnLedger, CallsInFlightNeverEndTheDayPastCn3) {
    ASSERT_NO_FATAL_FAILURE(record_unanswered(ledger, morning, 0, 5));
    std::vector<cg_ticket *> in_flight;
    for (int i = 0; i < 3; i++) {
        const cg_ask a = call(morning + 7200 + i);
        cg_ticket *ticket = nullptr;
        ASSERT_EQ(cg_ledger_check_and_record(ledger, &a, decision, &ticket, nullptr), CG_RESULT_OK);
        if (ticket != nullptr) {
            in_flight.push_back(ticket);
        }
    }
    ASSERT_EQ(in_flight.size(), 1u);
    cg_error *err = nullptr;
    EXPECT_EQ(cg_ledger_complete(ledger, in_flight[0], CG_ATTEMPT_RESULT_PENDING, &err), CG_RESULT_LEDGER);
    EXPECT_EQ(str(cg_error_code(err)), "ledger.pending_outcome");
    cg_error_free(err);
    ASSERT_EQ(cg_ledger_complete(ledger, in_flight[0], CG_ATTEMPT_RESULT_NO_ANSWER, nullptr), CG_RESULT_OK);
    cg_ticket_free(in_flight[0]);

    // A pending call recorded from elsewhere counts too.
    const cg_ask next = call_ask(morning + 3 * 3600, s("+8613800000001"), s("loan-2"), &zone);
    cg_event pending = call_attempt(morning, next.to, next.debt, CG_ATTEMPT_RESULT_CONVERSATION);
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(cg_ledger_record(ledger, &pending, nullptr), CG_RESULT_OK);
    }
    ASSERT_EQ(cg_ledger_check(ledger, &next, decision, nullptr), CG_RESULT_OK);
    EXPECT_TRUE(cg_decision_allow(decision));
    pending.result = CG_ATTEMPT_RESULT_PENDING;
    ASSERT_EQ(cg_ledger_record(ledger, &pending, nullptr), CG_RESULT_OK);
    ASSERT_EQ(cg_ledger_check(ledger, &next, decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision)) << "2 conversations and 1 pending call reach cn.2's 3";
}

// A journaled ledger comes back from its directory with every acknowledged
// write: the snapshot of the last checkpoint plus the journal since.
TEST_F(CnLedger, AJournaledLedgerReopensWithEveryAcknowledgedWrite) {
    char tmpl[] = "/tmp/cg-journal-test-XXXXXX";
    const char *dir = mkdtemp(tmpl);
    ASSERT_NE(dir, nullptr);
    const uint8_t key[] = "journal test key";
    auto open = [&](cg_ledger **out) {
        return cg_ledger_open_journaled(policy, key, 16, dir, std::strlen(dir), CG_JOURNAL_SYNC_ALWAYS, out,
                                        nullptr);
    };
    cg_ask a = call(morning + 7200);

    cg_ledger *journaled = nullptr;
    ASSERT_EQ(open(&journaled), CG_RESULT_OK);
    ASSERT_NO_FATAL_FAILURE(record_unanswered(journaled, morning, 0, 3));
    ASSERT_EQ(cg_ledger_checkpoint(journaled, nullptr), CG_RESULT_OK);
    ASSERT_NO_FATAL_FAILURE(record_unanswered(journaled, morning, 3, 5));
    cg_ticket *ticket = nullptr;
    ASSERT_EQ(cg_ledger_check_and_record(journaled, &a, decision, &ticket, nullptr), CG_RESULT_OK);
    ASSERT_NE(ticket, nullptr);
    cg_error *err = nullptr;
    EXPECT_EQ(cg_ledger_restore(journaled, nullptr, 0, &err), CG_RESULT_LEDGER);
    EXPECT_EQ(str(cg_error_code(err)), "ledger.journaled");
    cg_error_free(err);
    cg_ledger_free(journaled);  // as good as a crash: nothing is flushed at free

    // Reopened: 5 unanswered and 1 pending call, so cn.3 denies; the ticket
    // from before completes.
    ASSERT_EQ(open(&journaled), CG_RESULT_OK);
    a.at.seconds += 60;
    ASSERT_EQ(cg_ledger_check(journaled, &a, decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision));
    ASSERT_EQ(cg_ledger_complete(journaled, ticket, CG_ATTEMPT_RESULT_CONVERSATION, nullptr), CG_RESULT_OK);
    cg_ticket_free(ticket);
    ASSERT_EQ(cg_ledger_check(journaled, &a, decision, nullptr), CG_RESULT_OK);
    EXPECT_TRUE(cg_decision_allow(decision)) << "the call connected: 5 unanswered";
    cg_ledger_free(journaled);
    ASSERT_EQ(open(&journaled), CG_RESULT_OK);
    ASSERT_EQ(cg_ledger_check(journaled, &a, decision, nullptr), CG_RESULT_OK);
    EXPECT_TRUE(cg_decision_allow(decision)) << "the completion was journaled";
    cg_ledger_free(journaled);

    // Bad sync constant; a ledger without a journal (the fixture's) cannot
    // checkpoint.
    EXPECT_EQ(cg_ledger_open_journaled(policy, key, 16, dir, std::strlen(dir), 0, &journaled, &err),
              CG_RESULT_INVALID_ENUM);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_checkpoint(ledger, &err), CG_RESULT_LEDGER);
    EXPECT_EQ(str(cg_error_code(err)), "ledger.not_journaled");
    cg_error_free(err);

    std::remove((std::string(dir) + "/snapshot").c_str());
    std::remove((std::string(dir) + "/journal").c_str());
    rmdir(dir);
}

TEST(LedgerNull, EveryPointerIsChecked) {
    cg_error *err = nullptr;
    cg_ledger *l = nullptr;
    EXPECT_EQ(cg_ledger_new(nullptr, nullptr, 0, &l, &err), CG_RESULT_NULL_ARGUMENT);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_check(nullptr, nullptr, nullptr, &err), CG_RESULT_NULL_ARGUMENT);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_record(nullptr, nullptr, &err), CG_RESULT_NULL_ARGUMENT);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_complete(nullptr, nullptr, 0, &err), CG_RESULT_NULL_ARGUMENT);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_restore(nullptr, nullptr, 0, &err), CG_RESULT_NULL_ARGUMENT);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_checkpoint(nullptr, &err), CG_RESULT_NULL_ARGUMENT);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_open_journaled(nullptr, nullptr, 0, nullptr, 0, CG_JOURNAL_SYNC_ALWAYS, &l, &err),
              CG_RESULT_NULL_ARGUMENT);
    cg_error_free(err);
    EXPECT_EQ(cg_ledger_prune(nullptr, cg_timestamp{0, 0}), 0u);
    EXPECT_EQ(cg_ticket_at(nullptr).seconds, 0);
    cg_ledger_free(nullptr);
    cg_ticket_free(nullptr);
}

}  // namespace
