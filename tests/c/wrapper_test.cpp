// The C++17 wrapper: RAII owners, exceptions with code/line/column/field,
// decisions with borrowed views, batch and JSON.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <type_traits>

#include <unistd.h>

#include "contactguard.hpp"

namespace cg = contactguard;

namespace {

static_assert(!std::is_copy_constructible_v<cg::History>, "History is move-only");
static_assert(!std::is_copy_constructible_v<cg::Decision>, "Decision is move-only");
static_assert(std::is_nothrow_move_constructible_v<cg::History>);
static_assert(std::is_nothrow_move_constructible_v<cg::Decision>);
static_assert(std::is_copy_constructible_v<cg::Policy>, "Policy copies share one compiled policy");

cg::Ask early_call() {
    cg::Ask ask;
    ask.at = cg::Timestamp{1792065540, 0};  // 2026-10-15T07:59:00-04:00
    ask.channel = cg::Channel::Call;
    ask.to = "+1-617-555-0100";
    ask.role = cg::Role::Debtor;
    ask.debt = "loan-42";
    ask.timezones = {"America/New_York"};
    ask.purpose = cg::Purpose::Collection;
    return ask;
}

TEST(Wrapper, DecidesWithRaii) {
    const auto policy = cg::Policy::presets("us-reg-f+us-ma");
    EXPECT_EQ(policy.name(), "us-reg-f+us-ma");
    cg::History history;
    history.push(cg::Event::attempt(cg::Timestamp{1791813600, 0}, cg::Channel::Call, "+1-617-555-0100",
                                    cg::Role::Debtor, "loan-42", cg::AttemptResult::NoAnswer));
    EXPECT_EQ(history.size(), 1u);
    const cg::Decision d = policy.decide(history, early_call());
    EXPECT_FALSE(d.allow());
    ASSERT_FALSE(d.denials().empty());
    EXPECT_FALSE(d.denials().front().id.empty());
    ASSERT_TRUE(d.retry_at().has_value());
    EXPECT_EQ(d.retry_at()->seconds, 1792065600);

    // A decision is reused; a moved-from handle is empty and harmless.
    cg::Decision reused;
    auto ask = early_call();
    ask.at.seconds += 3600;
    policy.decide(history, ask, reused);
    EXPECT_TRUE(reused.allow());
    cg::Decision moved = std::move(reused);
    EXPECT_TRUE(moved.allow());
    EXPECT_FALSE(reused.allow());  // NOLINT: reading a moved-from handle is defined here
}

TEST(Wrapper, PolicyErrorsThrowWithLocation) {
    try {
        (void)cg::Policy::from_toml("format = \"contactguard-policy/1\"\n[[rules]]\nid = 3\n");
        FAIL() << "expected a PolicyError";
    } catch (const cg::PolicyError &e) {
        EXPECT_EQ(e.result(), CG_RESULT_POLICY);
        EXPECT_EQ(e.line(), 3u);
        EXPECT_GT(e.column(), 0u);
        EXPECT_EQ(e.field(), "rules[0].id");
        EXPECT_EQ(e.code().rfind("policy.", 0), 0u);
    }
    EXPECT_THROW((void)cg::Policy::presets("nowhere"), cg::PolicyError);
    try {
        (void)cg::Policy::presets("nowhere");
    } catch (const cg::PolicyError &e) {
        EXPECT_EQ(e.code(), "policy.unknown_preset");
        EXPECT_NE(e.help().find("us-reg-f"), std::string::npos);
        EXPECT_EQ(e.file(), "");
        EXPECT_EQ(e.row(), -1);
    }
}

TEST(Wrapper, PolicyLoadNamesTheFileOfAMistake) {
    const std::string path = "cg-wrapper-" + std::to_string(::getpid()) + "-broken.toml";
    std::ofstream(path) << "format = \"contactguard-policy/1\"\n\n[[rules]]\nid = 3\n";
    try {
        (void)cg::Policy::load(path);
        ADD_FAILURE() << "expected a PolicyError";
    } catch (const cg::PolicyError &e) {
        EXPECT_EQ(e.code(), "policy.invalid");
        EXPECT_EQ(e.file(), path);
        EXPECT_EQ(e.line(), 4u);
        EXPECT_EQ(e.column(), 6u);
        EXPECT_EQ(e.field(), "rules[0].id");
    }
    std::remove(path.c_str());
    try {
        (void)cg::Policy::load(path);
        ADD_FAILURE() << "expected a PolicyError";
    } catch (const cg::PolicyError &e) {
        EXPECT_EQ(e.code(), "policy.io");
        EXPECT_EQ(e.file(), path);
    }
}

TEST(Wrapper, InvalidArgumentsThrowError) {
    const auto policy = cg::Policy::presets("us-reg-f");
    cg::History history;
    auto ask = early_call();
    ask.channel = static_cast<cg::Channel>(99);
    try {
        (void)policy.decide(history, ask);
        FAIL() << "expected an Error";
    } catch (const cg::PolicyError &) {
        FAIL() << "not a policy error";
    } catch (const cg::Error &e) {
        EXPECT_EQ(e.result(), CG_RESULT_INVALID_ENUM);
        EXPECT_EQ(e.field(), "ask.channel");
    }
}

// No default widens a decision: an Ask without a role (or channel) throws
// an Error naming it instead of deciding a call to the debtor.
TEST(Wrapper, AnAskWithoutARoleThrowsMissingField) {
    const auto policy = cg::Policy::presets("us-reg-f");
    cg::History history;
    cg::Ask ask;
    ask.at = cg::Timestamp{1792072800, 0};
    ask.to = "+1-617-555-0100";
    ask.debt = "loan-42";
    ask.timezones = {"America/New_York"};
    try {
        (void)policy.decide(history, ask);
        FAIL() << "expected an Error";
    } catch (const cg::Error &e) {
        EXPECT_EQ(e.result(), CG_RESULT_MISSING_FIELD);
        EXPECT_EQ(e.code(), "ffi.missing_field");
        EXPECT_EQ(e.field(), "ask.role");
    }
    ask.role = cg::Role::Debtor;
    try {
        (void)policy.decide(history, ask);
        FAIL() << "expected an Error";
    } catch (const cg::Error &e) {
        EXPECT_EQ(e.field(), "ask.channel");
    }
    ask.channel = cg::Channel::Call;
    EXPECT_TRUE(policy.decide(history, ask).allow());
    // An attempt event without a role is refused too.
    cg::Event attempt = cg::Event::attempt(cg::Timestamp{1791813600, 0}, cg::Channel::Call, "+1-617-555-0100",
                                           cg::Role::Debtor, "loan-42", cg::AttemptResult::NoAnswer);
    attempt.role.reset();
    EXPECT_THROW(history.push(attempt), cg::Error);
    EXPECT_EQ(history.size(), 0u);
    // An attempt without a result is refused: the wrapper sends
    // CG_ATTEMPT_RESULT_UNSET, which the C ABI never reads as an outcome.
    attempt.role = cg::Role::Debtor;
    attempt.result.reset();
    try {
        history.push(attempt);
        FAIL() << "expected an Error";
    } catch (const cg::Error &e) {
        EXPECT_EQ(e.result(), CG_RESULT_MISSING_FIELD);
        EXPECT_EQ(e.code(), "ffi.missing_field");
        EXPECT_EQ(e.field(), "event.result");
        EXPECT_EQ(e.file(), "");
        EXPECT_EQ(e.row(), -1);
    }
    EXPECT_EQ(history.size(), 0u);
}

// No Event field picks a real value by default: a default-constructed
// Event is sent with CG_EVENT_TYPE_UNSET and refused naming `event.type`,
// and a hold without a reason with CG_HOLD_REASON_UNSET, naming
// `event.reason`.
TEST(Wrapper, AnEventWithoutATypeOrAHoldWithoutAReasonThrows) {
    const auto policy = cg::Policy::presets("us-reg-f");
    cg::History history;
    cg::Event blank;
    EXPECT_FALSE(blank.type.has_value());
    EXPECT_FALSE(blank.reason.has_value());
    blank.at = cg::Timestamp{1791813600, 0};
    blank.to = "+1-617-555-0100";
    try {
        history.push(blank);
        FAIL() << "expected an Error";
    } catch (const cg::Error &e) {
        EXPECT_EQ(e.result(), CG_RESULT_MISSING_FIELD);
        EXPECT_EQ(e.code(), "ffi.missing_field");
        EXPECT_EQ(e.field(), "event.type");
    }
    cg::Event hold = cg::Event::hold(cg::Timestamp{1791813600, 0}, "loan-42", cg::HoldReason::Dispute, std::nullopt);
    hold.reason.reset();
    try {
        history.push(hold);
        FAIL() << "expected an Error";
    } catch (const cg::Error &e) {
        EXPECT_EQ(e.code(), "ffi.missing_field");
        EXPECT_EQ(e.field(), "event.reason");
    }
    EXPECT_EQ(history.size(), 0u);
    hold.reason = cg::HoldReason::Dispute;
    history.push(hold);
    EXPECT_EQ(history.size(), 1u);
}

TEST(Wrapper, BatchAndJson) {
    const auto policy = cg::Policy::presets("us-reg-f");
    cg::History history;
    std::vector<cg::Ask> asks(3, early_call());
    asks[1].at.seconds += 3600;
    asks[2].channel = cg::Channel::Letter;
    const auto verdicts = policy.decide_batch(history, asks);
    ASSERT_EQ(verdicts.size(), 3u);
    EXPECT_EQ(verdicts[0].allow, 0);
    EXPECT_EQ(verdicts[1].allow, 1);

    const std::string out = policy.decide_json(
        R"({"ask": {"at": "2026-10-15T07:59:00-04:00", "channel": "call", "to": "c1", "role": "debtor",
        "debt": "d1", "timezones": "America/New_York"}})");
    EXPECT_EQ(out.rfind("{\"allow\":false", 0), 0u) << out;
    EXPECT_THROW((void)policy.decide_json("[]"), cg::Error);
}

TEST(Wrapper, VersionMatchesHeader) { EXPECT_EQ(cg::version(), CG_VERSION_STRING); }

}  // namespace

namespace {

TEST(WrapperLedger, CheckAndRecordSnapshotRestore) {
    const auto policy = cg::Policy::presets("us-reg-f");
    const cg::Ledger ledger(policy, "0123456789abcdef");
    cg::Decision d;
    auto ask = early_call();
    ask.at.seconds = 1791813600;  // Monday 10:00 in New York
    int admitted = 0;
    for (int i = 0; i < 8; i++) {
        auto t = ledger.check_and_record(ask, d);
        if (t) {
            EXPECT_EQ(t->at().seconds, ask.at.seconds);
            ledger.complete(*t, cg::AttemptResult::NoAnswer);
            EXPECT_THROW(ledger.complete(*t, cg::AttemptResult::NoAnswer), cg::Error);
            admitted++;
        }
        ask.at.seconds += 3600;
    }
    EXPECT_EQ(admitted, 7);
    const auto bytes = ledger.snapshot();
    const cg::Ledger copy(policy, "0123456789abcdef");
    copy.restore(bytes);
    EXPECT_FALSE(copy.check(ask).allow());
    copy.record(cg::Event::cease(cg::Timestamp{1791813600, 0}, "someone-else", "loan-7"));
    try {
        const cg::Ledger other(policy);
        other.restore(bytes);
        FAIL() << "a snapshot restores only under its own key";
    } catch (const cg::Error &e) {
        EXPECT_EQ(e.result(), CG_RESULT_LEDGER);
        EXPECT_EQ(e.code(), "ledger.key_mismatch");
    }
}

}  // namespace
