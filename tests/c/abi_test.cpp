// The C ABI's contract: status codes, error objects, NULL checks on every
// pointer, the panic boundary, ownership, batch and JSON entry points,
// version macros and struct layouts.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "contactguard.h"

extern "C" {
// Built only with the `test-panic` feature; not in the header or the
// release ABI.
cg_result cg_test_panic(cg_error **out_error);
}

namespace {

std::string str(cg_str s) { return s.len ? std::string(s.ptr, s.len) : std::string(); }
cg_str s(const char *text) { return cg_str{text, std::strlen(text)}; }

// 2026-10-15T11:59:00Z, 07:59 in New York: before 8 a.m., so Reg F denies a call.
constexpr int64_t kEarly = 1792065540;
// 2026-10-15T14:00:00Z, 10:00 in New York.
constexpr int64_t kMorning = 1792072800;

const char kPresets[] = "us-reg-f+us-ma";

struct Fixture : ::testing::Test {
    const cg_policy *policy = nullptr;
    cg_history *history = nullptr;
    cg_decision *decision = nullptr;
    cg_str zones[1] = {s("America/New_York")};

    void SetUp() override {
        ASSERT_EQ(cg_policy_from_presets(kPresets, std::strlen(kPresets), &policy, nullptr), CG_RESULT_OK);
        ASSERT_EQ(cg_history_new(&history, nullptr), CG_RESULT_OK);
        ASSERT_EQ(cg_decision_new(&decision, nullptr), CG_RESULT_OK);
    }
    void TearDown() override {
        cg_decision_free(decision);
        cg_history_free(history);
        cg_policy_free(policy);
    }
    cg_ask ask(int64_t at) const {
        cg_ask a{};
        a.at.seconds = at;
        a.channel = CG_CHANNEL_CALL;
        a.to = s("c1");
        a.role = CG_ROLE_DEBTOR;
        a.debt = s("d1");
        a.timezones = zones;
        a.timezones_len = 1;
        a.has_purpose = 1;
        a.purpose = CG_PURPOSE_COLLECTION;
        return a;
    }
};

TEST(Version, MacrosMatchRuntime) {
    const std::string want = std::to_string(CG_VERSION_MAJOR) + "." + std::to_string(CG_VERSION_MINOR) + "." +
                             std::to_string(CG_VERSION_PATCH);
    EXPECT_EQ(want, CG_VERSION_STRING);
    EXPECT_EQ(std::string(cg_version()), CG_VERSION_STRING);
}

TEST(Layout, StructSizesMatchTheLibrary) {
    EXPECT_EQ(cg_abi_sizeof(CG_ABI_STRUCT_STR), sizeof(cg_str));
    EXPECT_EQ(cg_abi_sizeof(CG_ABI_STRUCT_TIMESTAMP), sizeof(cg_timestamp));
    EXPECT_EQ(cg_abi_sizeof(CG_ABI_STRUCT_ASK), sizeof(cg_ask));
    EXPECT_EQ(cg_abi_sizeof(CG_ABI_STRUCT_EVENT), sizeof(cg_event));
    EXPECT_EQ(cg_abi_sizeof(CG_ABI_STRUCT_VERDICT), sizeof(cg_verdict));
    EXPECT_EQ(cg_abi_sizeof(CG_ABI_STRUCT_DENIAL), sizeof(cg_denial));
    EXPECT_EQ(cg_abi_sizeof(CG_ABI_STRUCT_REDIS_OPTIONS), sizeof(cg_redis_options));
    EXPECT_EQ(cg_abi_sizeof(999), 0u);
}

TEST(Panic, IsCaughtAtTheBoundary) {
    cg_error *err = nullptr;
    EXPECT_EQ(cg_test_panic(&err), CG_RESULT_PANIC);
    ASSERT_NE(err, nullptr);
    EXPECT_EQ(cg_error_result(err), CG_RESULT_PANIC);
    EXPECT_EQ(str(cg_error_code(err)), "internal.panic");
    EXPECT_NE(str(cg_error_message(err)).find("test panic"), std::string::npos);
    cg_error_free(err);
    // And the library still works afterwards.
    EXPECT_EQ(cg_test_panic(nullptr), CG_RESULT_PANIC);
    const cg_policy *p = nullptr;
    EXPECT_EQ(cg_policy_from_presets("us-reg-f", 8, &p, nullptr), CG_RESULT_OK);
    cg_policy_free(p);
}

TEST(Free, NullIsANoOp) {
    cg_policy_free(nullptr);
    cg_history_free(nullptr);
    cg_decision_free(nullptr);
    cg_error_free(nullptr);
    EXPECT_EQ(cg_policy_clone(nullptr), nullptr);
}

TEST(Null, AccessorsOfNullAreEmpty) {
    EXPECT_EQ(cg_error_result(nullptr), CG_RESULT_OK);
    EXPECT_EQ(cg_error_message(nullptr).len, 0u);
    EXPECT_EQ(cg_error_code(nullptr).len, 0u);
    EXPECT_EQ(cg_error_field(nullptr).len, 0u);
    EXPECT_EQ(cg_error_help(nullptr).len, 0u);
    EXPECT_EQ(cg_error_line(nullptr), 0u);
    EXPECT_EQ(cg_error_column(nullptr), 0u);
    EXPECT_FALSE(cg_decision_allow(nullptr));
    EXPECT_EQ(cg_decision_denial_count(nullptr), 0u);
    EXPECT_EQ(cg_decision_obligation_count(nullptr), 0u);
    EXPECT_FALSE(cg_decision_retry_at(nullptr, nullptr));
    EXPECT_EQ(cg_history_len(nullptr), 0u);
    EXPECT_EQ(cg_policy_name(nullptr).len, 0u);
    EXPECT_EQ(cg_policy_rule_count(nullptr), 0u);
}

// Expects `r` to be CG_RESULT_NULL_ARGUMENT naming `field`. `err` by
// reference: it is read after the call that fills it.
void expect_null(cg_result r, cg_error *&err, const char *field) {
    EXPECT_EQ(r, CG_RESULT_NULL_ARGUMENT) << field;
    EXPECT_EQ(cg_error_result(err), CG_RESULT_NULL_ARGUMENT) << field;
    EXPECT_EQ(str(cg_error_field(err)), field);
    EXPECT_EQ(str(cg_error_code(err)), "ffi.null_argument");
    cg_error_free(err);
    err = nullptr;
}

TEST_F(Fixture, EveryPointerIsChecked) {
    cg_error *err = nullptr;
    const cg_policy *p = nullptr;
    expect_null(cg_policy_from_presets(kPresets, 3, nullptr, &err), err, "out_policy");
    expect_null(cg_policy_from_presets(nullptr, 3, &p, &err), err, "names");
    expect_null(cg_policy_from_toml(nullptr, 1, &p, &err), err, "text");
    expect_null(cg_policy_from_json(nullptr, 1, &p, &err), err, "text");
    expect_null(cg_policy_load(nullptr, 1, &p, &err), err, "path");
    expect_null(cg_history_new(nullptr, &err), err, "out_history");
    expect_null(cg_decision_new(nullptr, &err), err, "out_decision");

    cg_event ev{};
    expect_null(cg_history_push(nullptr, &ev, &err), err, "history");
    expect_null(cg_history_push(history, nullptr, &err), err, "event");
    expect_null(cg_history_push_many(nullptr, &ev, 1, &err), err, "history");
    expect_null(cg_history_push_many(history, nullptr, 1, &err), err, "events");
    expect_null(cg_history_clear(nullptr, &err), err, "history");

    const cg_ask a = ask(kMorning);
    expect_null(cg_decide(nullptr, history, &a, decision, &err), err, "policy");
    expect_null(cg_decide(policy, nullptr, &a, decision, &err), err, "history");
    expect_null(cg_decide(policy, history, nullptr, decision, &err), err, "ask");
    expect_null(cg_decide(policy, history, &a, nullptr, &err), err, "decision");
    cg_ask bad = a;
    bad.to = cg_str{nullptr, 2};
    expect_null(cg_decide(policy, history, &bad, decision, &err), err, "ask.to");
    bad = a;
    bad.timezones = nullptr;
    expect_null(cg_decide(policy, history, &bad, decision, &err), err, "ask.timezones");

    cg_verdict v{};
    expect_null(cg_decide_batch(nullptr, history, &a, 1, &v, &err), err, "policy");
    expect_null(cg_decide_batch(policy, nullptr, &a, 1, &v, &err), err, "history");
    expect_null(cg_decide_batch(policy, history, nullptr, 1, &v, &err), err, "asks");
    expect_null(cg_decide_batch(policy, history, &a, 1, nullptr, &err), err, "out_verdicts");

    size_t len = 0;
    char buf[8];
    expect_null(cg_decide_json(nullptr, "{}", 2, buf, sizeof buf, &len, &err), err, "policy");
    expect_null(cg_decide_json(policy, nullptr, 2, buf, sizeof buf, &len, &err), err, "json");
    expect_null(cg_decide_json(policy, "{}", 2, nullptr, 8, &len, &err), err, "out_buf");
    expect_null(cg_decide_json(policy, "{}", 2, buf, sizeof buf, nullptr, &err), err, "out_len");

    expect_null(cg_decision_verdict(nullptr, &v, &err), err, "decision");
    expect_null(cg_decision_verdict(decision, nullptr, &err), err, "out_verdict");
    cg_denial d{};
    expect_null(cg_decision_denial(nullptr, 0, &d, &err), err, "decision");
    expect_null(cg_decision_denial(decision, 0, nullptr, &err), err, "out_denial");
    cg_str o{};
    expect_null(cg_decision_obligation(nullptr, 0, &o, &err), err, "decision");
    expect_null(cg_decision_obligation(decision, 0, nullptr, &err), err, "out_obligation");
    // A NULL out_error just discards the details.
    EXPECT_EQ(cg_decide(nullptr, history, &a, decision, nullptr), CG_RESULT_NULL_ARGUMENT);
}

TEST_F(Fixture, DecidesAndExplains) {
    const cg_ask early = ask(kEarly);
    cg_error *err = reinterpret_cast<cg_error *>(0x1);  // overwritten with NULL on success
    ASSERT_EQ(cg_decide(policy, history, &early, decision, &err), CG_RESULT_OK);
    EXPECT_EQ(err, nullptr);
    EXPECT_FALSE(cg_decision_allow(decision));
    ASSERT_GE(cg_decision_denial_count(decision), 1u);
    cg_denial d{};
    ASSERT_EQ(cg_decision_denial(decision, 0, &d, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(str(d.id).empty());
    EXPECT_FALSE(str(d.cite).empty());
    EXPECT_FALSE(str(d.message).empty());
    const size_t n = cg_decision_denial_count(decision);
    EXPECT_EQ(cg_decision_denial(decision, n, &d, &err), CG_RESULT_INDEX_OUT_OF_RANGE);
    EXPECT_EQ(str(cg_error_field(err)), "index");
    cg_error_free(err);
    cg_timestamp retry{};
    ASSERT_TRUE(cg_decision_retry_at(decision, &retry));
    EXPECT_EQ(retry.seconds, 1792065600);  // 08:00 New York
    EXPECT_TRUE(cg_decision_retry_at(decision, nullptr));
    cg_verdict v{};
    ASSERT_EQ(cg_decision_verdict(decision, &v, nullptr), CG_RESULT_OK);
    EXPECT_EQ(v.allow, 0);
    EXPECT_EQ(v.has_retry_at, 1);
    EXPECT_EQ(v.retry_at.seconds, 1792065600);
    EXPECT_EQ(v.denial_count, n);

    const cg_ask later = ask(kMorning);
    ASSERT_EQ(cg_decide(policy, history, &later, decision, nullptr), CG_RESULT_OK);
    EXPECT_TRUE(cg_decision_allow(decision));
    EXPECT_EQ(cg_decision_denial_count(decision), 0u);
    EXPECT_FALSE(cg_decision_retry_at(decision, &retry));
}

TEST_F(Fixture, AFailedDecideDoesNotAllow) {
    const cg_ask ok = ask(kMorning);
    ASSERT_EQ(cg_decide(policy, history, &ok, decision, nullptr), CG_RESULT_OK);
    ASSERT_TRUE(cg_decision_allow(decision));
    cg_ask bad = ok;
    bad.channel = 77;
    cg_error *err = nullptr;
    EXPECT_EQ(cg_decide(policy, history, &bad, decision, &err), CG_RESULT_INVALID_ENUM);
    EXPECT_EQ(str(cg_error_field(err)), "ask.channel");
    EXPECT_EQ(str(cg_error_code(err)), "ffi.invalid_enum");
    cg_error_free(err);
    EXPECT_FALSE(cg_decision_allow(decision)) << "fail closed";
}

// Zero means "not given": a zero-initialised ask with only at, to, debt and
// a zone set is an error naming `role` (never a call to the debtor), and
// fails closed.
TEST_F(Fixture, AZeroInitialisedAskIsAMissingRole) {
    const cg_ask ok = ask(kMorning);
    ASSERT_EQ(cg_decide(policy, history, &ok, decision, nullptr), CG_RESULT_OK);
    ASSERT_TRUE(cg_decision_allow(decision));
    cg_ask bare{};
    bare.at.seconds = kMorning;
    bare.to = s("c1");
    bare.debt = s("d1");
    bare.timezones = zones;
    bare.timezones_len = 1;
    cg_error *err = nullptr;
    EXPECT_EQ(cg_decide(policy, history, &bare, decision, &err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(cg_error_result(err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(str(cg_error_code(err)), "ffi.missing_field");
    EXPECT_EQ(str(cg_error_field(err)), "ask.role");
    EXPECT_NE(str(cg_error_message(err)).find("`role`"), std::string::npos);
    cg_error_free(err);
    EXPECT_FALSE(cg_decision_allow(decision)) << "fail closed";

    // With the role given, the channel is the one missing.
    bare.role = CG_ROLE_DEBTOR;
    EXPECT_EQ(cg_decide(policy, history, &bare, decision, &err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(str(cg_error_field(err)), "ask.channel");
    cg_error_free(err);

    // Unset place and purpose are "not given" (stricter), not errors.
    bare.channel = CG_CHANNEL_CALL;
    bare.has_place = 1;
    bare.place = CG_PLACE_UNSET;
    bare.has_purpose = 1;
    bare.purpose = CG_PURPOSE_UNSET;
    EXPECT_EQ(cg_decide(policy, history, &bare, decision, nullptr), CG_RESULT_OK);

    // The same in a batch, and for an attempt in the history.
    cg_ask asks[2] = {ok, ok};
    asks[1].role = CG_ROLE_UNSET;
    cg_verdict verdicts[2] = {};
    EXPECT_EQ(cg_decide_batch(policy, history, asks, 2, verdicts, &err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(str(cg_error_field(err)), "asks[1].role");
    cg_error_free(err);
    cg_event attempt{};
    attempt.type = CG_EVENT_TYPE_ATTEMPT;
    attempt.at.seconds = kEarly - 86400;
    attempt.channel = CG_CHANNEL_CALL;
    attempt.to = s("c1");
    attempt.debt = s("d1");
    attempt.result = CG_ATTEMPT_RESULT_NO_ANSWER;
    EXPECT_EQ(cg_history_push(history, &attempt, &err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(str(cg_error_field(err)), "event.role");
    cg_error_free(err);
    EXPECT_EQ(cg_history_len(history), 0u);
}

// A zero-initialised event has no type (never an attempt), and a hold left
// without a reason has none (never a dispute): both are missing fields,
// named within a batch too, and nothing is appended.
TEST_F(Fixture, AZeroInitialisedEventIsAMissingType) {
    static_assert(CG_EVENT_TYPE_UNSET == 0 && CG_HOLD_REASON_UNSET == 0, "0 is UNSET");
    cg_event blank{};
    blank.at.seconds = kEarly - 86400;
    blank.to = s("c1");
    cg_error *err = nullptr;
    EXPECT_EQ(cg_history_push(history, &blank, &err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(cg_error_result(err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(str(cg_error_code(err)), "ffi.missing_field");
    EXPECT_EQ(str(cg_error_field(err)), "event.type");
    EXPECT_NE(str(cg_error_message(err)).find("`type`"), std::string::npos);
    cg_error_free(err);

    cg_event hold{};
    hold.type = CG_EVENT_TYPE_HOLD;
    hold.at.seconds = kEarly - 86400;
    hold.debt = s("d1");
    EXPECT_EQ(cg_history_push(history, &hold, &err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(str(cg_error_code(err)), "ffi.missing_field");
    EXPECT_EQ(str(cg_error_field(err)), "event.reason");
    cg_error_free(err);

    cg_event cease{};
    cease.type = CG_EVENT_TYPE_CEASE;
    cease.at.seconds = kEarly - 86400;
    cease.to = s("c9");
    cease.debt = s("d9");
    cg_event evs[3] = {cease, cease, blank};
    EXPECT_EQ(cg_history_push_many(history, evs, 3, &err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(str(cg_error_field(err)), "events[2].type");
    cg_error_free(err);
    evs[2] = hold;
    EXPECT_EQ(cg_history_push_many(history, evs, 3, &err), CG_RESULT_MISSING_FIELD);
    EXPECT_EQ(str(cg_error_field(err)), "events[2].reason");
    cg_error_free(err);
    EXPECT_EQ(cg_history_len(history), 0u) << "all or nothing";

    // With its reason, the hold is taken and denies the debt.
    const cg_ask a = ask(kMorning);
    ASSERT_EQ(cg_decide(policy, history, &a, decision, nullptr), CG_RESULT_OK);
    ASSERT_TRUE(cg_decision_allow(decision));
    hold.reason = CG_HOLD_REASON_DISPUTE;
    ASSERT_EQ(cg_history_push(history, &hold, nullptr), CG_RESULT_OK);
    ASSERT_EQ(cg_decide(policy, history, &a, decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision));
}

TEST(Version, AbiVersionMatchesTheHeader) { EXPECT_EQ(cg_abi_version(), static_cast<uint32_t>(CG_ABI_VERSION)); }

TEST_F(Fixture, InvalidInputsAreNamed) {
    cg_error *err = nullptr;
    cg_ask a = ask(kMorning);
    a.at.nanos = 1000000000;
    EXPECT_EQ(cg_decide(policy, history, &a, decision, &err), CG_RESULT_INVALID_TIME);
    EXPECT_EQ(str(cg_error_field(err)), "ask.at");
    cg_error_free(err);

    a = ask(kMorning);
    const char bad_utf8[] = {'c', static_cast<char>(0xff)};
    a.to = cg_str{bad_utf8, 2};
    EXPECT_EQ(cg_decide(policy, history, &a, decision, &err), CG_RESULT_INVALID_UTF8);
    EXPECT_EQ(str(cg_error_field(err)), "ask.to");
    cg_error_free(err);

    a = ask(kMorning);
    cg_str zones[2] = {s("America/New_York"), cg_str{bad_utf8, 2}};
    a.timezones = zones;
    a.timezones_len = 2;
    EXPECT_EQ(cg_decide(policy, history, &a, decision, &err), CG_RESULT_INVALID_UTF8);
    EXPECT_EQ(str(cg_error_field(err)), "ask.timezones[1]");
    cg_error_free(err);

    cg_event ev{};
    ev.type = 42;
    EXPECT_EQ(cg_history_push(history, &ev, &err), CG_RESULT_INVALID_ENUM);
    EXPECT_EQ(str(cg_error_field(err)), "event.type");
    cg_error_free(err);

    cg_event evs[2] = {};
    evs[0].type = CG_EVENT_TYPE_CEASE;
    evs[0].to = s("c1");
    evs[0].debt = s("d1");
    evs[1].type = CG_EVENT_TYPE_ATTEMPT;
    evs[1].channel = CG_CHANNEL_CALL;
    evs[1].role = CG_ROLE_DEBTOR;
    evs[1].result = 99;
    EXPECT_EQ(cg_history_push_many(history, evs, 2, &err), CG_RESULT_INVALID_ENUM);
    EXPECT_EQ(str(cg_error_field(err)), "events[1].result");
    cg_error_free(err);
    EXPECT_EQ(cg_history_len(history), 0u) << "all or nothing";
}

TEST_F(Fixture, UnknownZoneFailsClosed) {
    cg_str zones[1] = {s("Mars/Olympus_Mons")};
    cg_ask a = ask(kMorning);
    a.timezones = zones;
    ASSERT_EQ(cg_decide(policy, history, &a, decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision));
    cg_denial d{};
    ASSERT_EQ(cg_decision_denial(decision, 0, &d, nullptr), CG_RESULT_OK);
    EXPECT_NE(str(d.message).find("Mars/Olympus_Mons"), std::string::npos);
}

TEST_F(Fixture, HistoryChangesTheDecision) {
    cg_event cease{};
    cease.type = CG_EVENT_TYPE_CEASE;
    cease.at.seconds = kEarly - 86400;
    cease.to = s("c1");
    cease.debt = s("d1");
    ASSERT_EQ(cg_history_push(history, &cease, nullptr), CG_RESULT_OK);
    EXPECT_EQ(cg_history_len(history), 1u);
    const cg_ask a = ask(kMorning);
    ASSERT_EQ(cg_decide(policy, history, &a, decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision));
    EXPECT_FALSE(cg_decision_retry_at(decision, nullptr)) << "no future time helps after a cease";
    ASSERT_EQ(cg_history_clear(history, nullptr), CG_RESULT_OK);
    EXPECT_EQ(cg_history_len(history), 0u);
}

// Everything a decision holds for the caller, to compare two of them.
std::string summary(const cg_decision *d) {
    cg_verdict v{};
    EXPECT_EQ(cg_decision_verdict(d, &v, nullptr), CG_RESULT_OK);
    std::string out = "allow=" + std::to_string(v.allow) + " retry=" + std::to_string(v.has_retry_at) + ":" +
                      std::to_string(v.retry_at.seconds) + " denials=";
    for (size_t i = 0; i < cg_decision_denial_count(d); i++) {
        cg_denial x{};
        EXPECT_EQ(cg_decision_denial(d, i, &x, nullptr), CG_RESULT_OK);
        out += str(x.id) + " (" + str(x.message) + ") ";
    }
    out += "obligations=";
    for (size_t i = 0; i < cg_decision_obligation_count(d); i++) {
        cg_str o{};
        EXPECT_EQ(cg_decision_obligation(d, i, &o, nullptr), CG_RESULT_OK);
        out += str(o) + " ";
    }
    return out;
}

// One decision reused across asks that change (recipient, debt, text that
// is not ASCII, the same text again, more and fewer time zones, a bad ask
// in between) decides each ask as a new decision does: the library keeps
// the previous ask's text to skip checking it again when it comes back
// unchanged, and that must never leak into the next decision.
TEST_F(Fixture, AReusedDecisionDecidesEachAskAfresh) {
    cg_event cease{};
    cease.type = CG_EVENT_TYPE_CEASE;
    cease.at.seconds = kEarly - 86400;
    cease.to = s("c1");
    cease.debt = s("d1");
    ASSERT_EQ(cg_history_push(history, &cease, nullptr), CG_RESULT_OK);
    cease.to = s("caf\xc3\xa9");  // "café", valid UTF-8
    cease.debt = s("d2");
    ASSERT_EQ(cg_history_push(history, &cease, nullptr), CG_RESULT_OK);

    const char bad_utf8[] = {'c', static_cast<char>(0xff)};
    cg_str two_zones[2] = {s("America/New_York"), s("Mars/Olympus_Mons")};
    cg_str other_zone[1] = {s("America/Los_Angeles")};
    std::vector<cg_ask> asks;
    const cg_ask base = ask(kMorning);
    asks.push_back(base);  // c1/d1: ceased
    cg_ask a = base;
    a.to = s("c2");
    a.debt = s("d2");
    asks.push_back(a);  // allowed
    a.to = s("caf\xc3\xa9");
    asks.push_back(a);  // café/d2: ceased
    asks.push_back(a);  // the same text again
    a.debt = s("d1");
    asks.push_back(a);  // café/d1: allowed
    a.to = cg_str{bad_utf8, 2};
    asks.push_back(a);  // refused: invalid UTF-8
    a = base;
    a.to = s("c2");
    a.timezones = two_zones;
    a.timezones_len = 2;
    asks.push_back(a);  // an unknown zone denies
    a.timezones_len = 1;
    asks.push_back(a);  // back to one zone
    a.timezones = other_zone;
    asks.push_back(a);  // another zone of the same length class
    a.timezones_len = 0;
    a.timezones = nullptr;
    asks.push_back(a);  // no zone
    a.channel = 0;
    asks.push_back(a);  // refused: no channel
    asks.push_back(base);  // c1/d1 again: ceased

    int allowed = 0, refused = 0;
    for (size_t i = 0; i < asks.size(); i++) {
        cg_decision *fresh = nullptr;
        ASSERT_EQ(cg_decision_new(&fresh, nullptr), CG_RESULT_OK);
        const cg_result want = cg_decide(policy, history, &asks[i], fresh, nullptr);
        const cg_result got = cg_decide(policy, history, &asks[i], decision, nullptr);
        EXPECT_EQ(got, want) << "ask " << i;
        EXPECT_EQ(summary(decision), summary(fresh)) << "ask " << i;
        if (got != CG_RESULT_OK) {
            refused++;
            EXPECT_FALSE(cg_decision_allow(decision)) << "fails closed, ask " << i;
            EXPECT_EQ(cg_decision_denial_count(decision), 0u) << i;
        }
        allowed += cg_decision_allow(decision);
        cg_decision_free(fresh);
    }
    EXPECT_EQ(refused, 2);
    EXPECT_GE(allowed, 3);
    EXPECT_LE(allowed, 8);
    // The two ceased pairs, checked directly rather than only against a
    // fresh decision.
    ASSERT_EQ(cg_decide(policy, history, &asks[2], decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision));
    ASSERT_EQ(cg_decide(policy, history, &asks[4], decision, nullptr), CG_RESULT_OK);
    EXPECT_TRUE(cg_decision_allow(decision));
    ASSERT_EQ(cg_decide(policy, history, &asks[0], decision, nullptr), CG_RESULT_OK);
    EXPECT_FALSE(cg_decision_allow(decision));
}

TEST_F(Fixture, BatchAgreesWithSingleCalls) {
    std::vector<cg_ask> asks;
    for (int i = 0; i < 24; i++) asks.push_back(ask(kEarly - 6 * 3600 + i * 1800));
    std::vector<cg_verdict> verdicts(asks.size());
    ASSERT_EQ(cg_decide_batch(policy, history, asks.data(), asks.size(), verdicts.data(), nullptr), CG_RESULT_OK);
    int allowed = 0;
    for (size_t i = 0; i < asks.size(); i++) {
        ASSERT_EQ(cg_decide(policy, history, &asks[i], decision, nullptr), CG_RESULT_OK);
        cg_verdict v{};
        ASSERT_EQ(cg_decision_verdict(decision, &v, nullptr), CG_RESULT_OK);
        EXPECT_EQ(v.allow, verdicts[i].allow) << i;
        EXPECT_EQ(v.has_retry_at, verdicts[i].has_retry_at) << i;
        EXPECT_EQ(v.retry_at.seconds, verdicts[i].retry_at.seconds) << i;
        EXPECT_EQ(v.denial_count, verdicts[i].denial_count) << i;
        allowed += v.allow;
    }
    EXPECT_GT(allowed, 0);
    EXPECT_LT(allowed, 24);
    // Empty batches are fine, even with NULL arrays.
    EXPECT_EQ(cg_decide_batch(policy, history, nullptr, 0, nullptr, nullptr), CG_RESULT_OK);
    // One bad ask: nothing written, the error names it.
    asks[3].role = 1234;
    verdicts.assign(asks.size(), cg_verdict{});
    cg_error *err = nullptr;
    EXPECT_EQ(cg_decide_batch(policy, history, asks.data(), asks.size(), verdicts.data(), &err),
              CG_RESULT_INVALID_ENUM);
    EXPECT_EQ(str(cg_error_field(err)), "asks[3].role");
    cg_error_free(err);
    EXPECT_EQ(verdicts[0].denial_count + verdicts[0].allow, 0u) << "nothing written on failure";
}

TEST_F(Fixture, JsonEntryPoint) {
    const std::string in = R"({"ask": {"at": "2026-10-15T07:59:00-04:00", "channel": "call", "to": "c1",
        "role": "debtor", "debt": "d1", "timezones": ["America/New_York"], "purpose": "collection"},
        "history": [{"type": "attempt", "at": "2026-10-14T10:00:00-04:00", "channel": "call",
        "to": "c1", "role": "debtor", "debt": "d1", "result": "no_answer"}]})";
    size_t len = 0;
    cg_error *err = nullptr;
    ASSERT_EQ(cg_decide_json(policy, in.data(), in.size(), nullptr, 0, &len, &err), CG_RESULT_BUFFER_TOO_SMALL);
    EXPECT_EQ(str(cg_error_code(err)), "ffi.buffer_too_small");
    cg_error_free(err);
    ASSERT_GT(len, 0u);
    std::string out(len, '\0');
    size_t written = 0;
    ASSERT_EQ(cg_decide_json(policy, in.data(), in.size(), out.data(), out.size(), &written, nullptr), CG_RESULT_OK);
    EXPECT_EQ(written, len);
    EXPECT_EQ(out.rfind("{\"allow\":false,", 0), 0u) << out;
    EXPECT_NE(out.find("\"retry_at\":\"2026-10-15T12:00:00Z\""), std::string::npos) << out;

    const std::string bad = "{\"ask\": {\"at\": \"2026-10-15T07:59:00-04:00\",\n \"channel\": \"fax\"}}";
    ASSERT_EQ(cg_decide_json(policy, bad.data(), bad.size(), out.data(), out.size(), &written, &err),
              CG_RESULT_INVALID_JSON);
    EXPECT_EQ(str(cg_error_field(err)), "ask.channel");
    EXPECT_EQ(cg_error_line(err), 2u);
    EXPECT_GT(cg_error_column(err), 0u);
    cg_error_free(err);

    const std::string broken = "{\"ask\": ";
    ASSERT_EQ(cg_decide_json(policy, broken.data(), broken.size(), out.data(), out.size(), &written, &err),
              CG_RESULT_INVALID_JSON);
    EXPECT_EQ(str(cg_error_code(err)), "json.syntax");
    cg_error_free(err);
}

TEST(Policy, ErrorsCarryLineColumnAndField) {
    const std::string toml =
        "format = \"contactguard-policy/1\"\nname = \"mine\"\n\n[[rules]]\nid = \"x\"\ntitle = \"t\"\n"
        "cite = \"c\"\nstatus = \"law\"\nkind = \"cap\"\nlimit = \"three\"\n";
    const cg_policy *p = nullptr;
    cg_error *err = nullptr;
    ASSERT_EQ(cg_policy_from_toml(toml.data(), toml.size(), &p, &err), CG_RESULT_POLICY);
    EXPECT_EQ(p, nullptr) << "outputs are written only on success";
    EXPECT_EQ(cg_error_result(err), CG_RESULT_POLICY);
    EXPECT_EQ(str(cg_error_code(err)).rfind("policy.", 0), 0u) << str(cg_error_code(err));
    EXPECT_EQ(cg_error_line(err), 10u);
    EXPECT_GT(cg_error_column(err), 0u);
    EXPECT_EQ(str(cg_error_field(err)), "rules[0].limit");
    EXPECT_FALSE(str(cg_error_message(err)).empty());
    cg_error_free(err);

    ASSERT_EQ(cg_policy_from_presets("us-nowhere", 10, &p, &err), CG_RESULT_POLICY);
    EXPECT_EQ(str(cg_error_code(err)), "policy.unknown_preset");
    cg_error_free(err);

    const char not_utf8[] = {static_cast<char>(0xc3)};
    ASSERT_EQ(cg_policy_from_json(not_utf8, 1, &p, &err), CG_RESULT_INVALID_UTF8);
    cg_error_free(err);
}

TEST(Policy, ReferencesAreCountedAndShareable) {
    const cg_policy *p = nullptr;
    ASSERT_EQ(cg_policy_from_presets("us-reg-f", 8, &p, nullptr), CG_RESULT_OK);
    EXPECT_EQ(str(cg_policy_name(p)), "us-reg-f");
    EXPECT_GT(cg_policy_rule_count(p), 0u);
    const cg_policy *q = cg_policy_clone(p);
    EXPECT_EQ(q, p);
    cg_policy_free(p);
    EXPECT_EQ(str(cg_policy_name(q)), "us-reg-f") << "still alive through the second reference";

    // Many threads decide against one policy and one history at once.
    cg_history *h = nullptr;
    ASSERT_EQ(cg_history_new(&h, nullptr), CG_RESULT_OK);
    std::vector<std::thread> threads;
    std::vector<int> allowed(4, 0);
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([&, t] {
            cg_decision *d = nullptr;
            if (cg_decision_new(&d, nullptr) != CG_RESULT_OK) return;
            cg_str zone = s("America/Chicago");
            for (int i = 0; i < 50; i++) {
                cg_ask a{};
                a.at.seconds = kMorning + i * 60;
                a.channel = CG_CHANNEL_CALL;
                a.to = s("c1");
                a.role = CG_ROLE_DEBTOR;
                a.debt = s("d1");
                a.timezones = &zone;
                a.timezones_len = 1;
                if (cg_decide(q, h, &a, d, nullptr) == CG_RESULT_OK && cg_decision_allow(d)) allowed[t]++;
            }
            cg_decision_free(d);
        });
    }
    for (auto &th : threads) th.join();
    for (int t = 0; t < 4; t++) EXPECT_EQ(allowed[t], 50);
    cg_history_free(h);
    cg_policy_free(q);
}

}  // namespace

namespace {

// A file in the working directory, named after the process (the tests run
// plain and under valgrind at once), removed at the end of the scope.
struct TempFile {
    std::string path;
    TempFile(const char *suffix, const std::string &text)
        : path("cg-diag-" + std::to_string(::getpid()) + "-" + suffix) {
        std::ofstream(path, std::ios::binary) << text;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

struct Loaded {
    cg_result result;
    cg_error *err;
    ~Loaded() { cg_error_free(err); }
};

Loaded load(const std::string &path) {
    const cg_policy *p = nullptr;
    cg_error *err = nullptr;
    const cg_result r = cg_policy_load(path.data(), path.size(), &p, &err);
    cg_policy_free(p);
    return Loaded{r, err};
}

}  // namespace

TEST(Diagnostic, AMalformedPolicyFileNamesTheFileLineColumnAndField) {
    const TempFile file("broken.toml", "format = \"contactguard-policy/1\"\n[[rules]]\nid = 3\n");
    const Loaded l = load(file.path);
    ASSERT_EQ(l.result, CG_RESULT_POLICY);
    EXPECT_EQ(cg_error_result(l.err), CG_RESULT_POLICY);
    EXPECT_EQ(str(cg_error_code(l.err)), "policy.invalid");
    EXPECT_EQ(str(cg_error_file(l.err)), file.path);
    EXPECT_EQ(cg_error_line(l.err), 3u);
    EXPECT_EQ(cg_error_column(l.err), 6u);
    EXPECT_EQ(str(cg_error_field(l.err)), "rules[0].id");
    EXPECT_EQ(cg_error_row(l.err), -1);
    // The message is the mistake alone: the location is in its own parts.
    EXPECT_EQ(str(cg_error_message(l.err)).find(file.path), std::string::npos);

    const TempFile bad("syntax.json", "{\"format\": ");
    const Loaded s = load(bad.path);
    ASSERT_EQ(s.result, CG_RESULT_POLICY);
    EXPECT_EQ(str(cg_error_code(s.err)), "policy.syntax");
    EXPECT_EQ(str(cg_error_file(s.err)), bad.path);
    EXPECT_EQ(cg_error_line(s.err), 1u);
}

TEST(Diagnostic, AFileThatCannotBeReadIsNamed) {
    const std::string missing = "cg-diag-no-such-policy.toml";
    const Loaded m = load(missing);
    ASSERT_EQ(m.result, CG_RESULT_POLICY);
    EXPECT_EQ(str(cg_error_code(m.err)), "policy.io");
    EXPECT_EQ(str(cg_error_file(m.err)), missing);
    EXPECT_EQ(cg_error_line(m.err), 0u);

    const TempFile binary("binary.toml", std::string("format = \"\xff\xfe\"\n"));
    const Loaded b = load(binary.path);
    EXPECT_EQ(str(cg_error_code(b.err)), "policy.encoding");
    EXPECT_EQ(str(cg_error_file(b.err)), binary.path);
    EXPECT_FALSE(str(cg_error_help(b.err)).empty());

    const TempFile text("policy.txt", "format = \"contactguard-policy/1\"\n");
    const Loaded t = load(text.path);
    EXPECT_EQ(str(cg_error_code(t.err)), "policy.file_type");
    EXPECT_EQ(str(cg_error_file(t.err)), text.path);
}

TEST(Diagnostic, AGoodPolicyFileLoads) {
    const TempFile file("good.json", "{\"format\": \"contactguard-policy/1\", \"extends\": [\"us-reg-f\"]}");
    const cg_policy *p = nullptr;
    ASSERT_EQ(cg_policy_load(file.path.data(), file.path.size(), &p, nullptr), CG_RESULT_OK);
    EXPECT_GT(cg_policy_rule_count(p), 0u);
    cg_policy_free(p);
}

TEST(Diagnostic, AnUnknownPresetHasItsCodeAndHelpAndNoFile) {
    const cg_policy *p = nullptr;
    cg_error *err = nullptr;
    const char names[] = "us-reg-f+nowhere";
    ASSERT_EQ(cg_policy_from_presets(names, std::strlen(names), &p, &err), CG_RESULT_POLICY);
    EXPECT_EQ(p, nullptr);
    EXPECT_EQ(str(cg_error_code(err)), "policy.unknown_preset");
    EXPECT_NE(str(cg_error_message(err)).find("`nowhere`"), std::string::npos);
    EXPECT_NE(str(cg_error_help(err)).find("us-reg-f"), std::string::npos);
    EXPECT_EQ(str(cg_error_file(err)), "");
    EXPECT_EQ(cg_error_line(err), 0u);
    cg_error_free(err);
}

TEST(Diagnostic, NullErrorReadsAsNothing) {
    EXPECT_EQ(str(cg_error_file(nullptr)), "");
    EXPECT_EQ(cg_error_row(nullptr), -1);
    EXPECT_EQ(str(cg_error_help(nullptr)), "");
}
