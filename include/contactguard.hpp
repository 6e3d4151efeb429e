// contactguard.hpp: a header-only C++17 wrapper over the C ABI
// (contactguard.h). Handles are move-only RAII owners (std::unique_ptr with
// the C library's free functions as deleters); failures throw
// contactguard::Error, or its subclass PolicyError for policy mistakes, with
// the C error's status and diagnostic: code, message, help, file, line,
// column, field and row (docs/errors.md).
//
// Thread safety follows the C ABI: a Policy may be used from many threads
// at once (copies share one immutable compiled policy); a History may be
// read by many threads while nobody appends; a Ledger serves every thread
// (it synchronises inside); a Decision belongs to one thread at a time.
//
//   auto policy = contactguard::Policy::presets("us-reg-f+us-ma");
//   contactguard::History history;
//   contactguard::Ask ask;
//   ask.at = contactguard::Timestamp{1792065540, 0};
//   ask.channel = contactguard::Channel::Call;
//   ask.to = "+1-617-555-0100";
//   ask.role = contactguard::Role::Debtor;
//   ask.debt = "loan-42";
//   ask.timezones = {"America/New_York"};
//   contactguard::Decision d = policy.decide(history, ask);
//   if (!d.allow()) for (const auto &denial : d.denials()) ...
#ifndef CONTACTGUARD_HPP
#define CONTACTGUARD_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "contactguard.h"

namespace contactguard {

/// An instant: Unix seconds plus nanoseconds in [0, 1e9).
using Timestamp = cg_timestamp;

enum class Channel : uint32_t {
    Call = CG_CHANNEL_CALL,
    Sms = CG_CHANNEL_SMS,
    Email = CG_CHANNEL_EMAIL,
    Letter = CG_CHANNEL_LETTER,
    Visit = CG_CHANNEL_VISIT,
    Push = CG_CHANNEL_PUSH,
    VoicemailDrop = CG_CHANNEL_VOICEMAIL_DROP,
};

enum class Role : uint32_t {
    Debtor = CG_ROLE_DEBTOR,
    CoDebtor = CG_ROLE_CO_DEBTOR,
    Guarantor = CG_ROLE_GUARANTOR,
    Spouse = CG_ROLE_SPOUSE,
    EstateRepresentative = CG_ROLE_ESTATE_REPRESENTATIVE,
    Attorney = CG_ROLE_ATTORNEY,
    EmergencyContact = CG_ROLE_EMERGENCY_CONTACT,
    Reference = CG_ROLE_REFERENCE,
    ThirdParty = CG_ROLE_THIRD_PARTY,
    Employer = CG_ROLE_EMPLOYER,
};

enum class Purpose : uint32_t {
    Collection = CG_PURPOSE_COLLECTION,
    Location = CG_PURPOSE_LOCATION,
    Notice = CG_PURPOSE_NOTICE,
};

enum class Place : uint32_t {
    Home = CG_PLACE_HOME,
    Mobile = CG_PLACE_MOBILE,
    Work = CG_PLACE_WORK,
    Unknown = CG_PLACE_UNKNOWN,
};

enum class AttemptResult : uint32_t {
    Unset = CG_ATTEMPT_RESULT_UNSET,
    NotConnected = CG_ATTEMPT_RESULT_NOT_CONNECTED,
    NoAnswer = CG_ATTEMPT_RESULT_NO_ANSWER,
    Voicemail = CG_ATTEMPT_RESULT_VOICEMAIL,
    Conversation = CG_ATTEMPT_RESULT_CONVERSATION,
    Delivered = CG_ATTEMPT_RESULT_DELIVERED,
    Failed = CG_ATTEMPT_RESULT_FAILED,
    Pending = CG_ATTEMPT_RESULT_PENDING,
};

enum class HoldReason : uint32_t {
    Dispute = CG_HOLD_REASON_DISPUTE,
    PromiseToPay = CG_HOLD_REASON_PROMISE_TO_PAY,
    RepaymentPlan = CG_HOLD_REASON_REPAYMENT_PLAN,
    Complaint = CG_HOLD_REASON_COMPLAINT,
    Bankruptcy = CG_HOLD_REASON_BANKRUPTCY,
    Deceased = CG_HOLD_REASON_DECEASED,
};

/// A failed call: the C error's status and its diagnostic (docs/errors.md):
/// code, message, help, file, line, column, field, row.
class Error : public std::runtime_error {
public:
    Error(cg_result result, std::string code, const std::string &message, std::string field, std::string help,
          uint32_t line, uint32_t column, std::string file = {}, int64_t row = -1)
        : std::runtime_error(message),
          result_(result),
          code_(std::move(code)),
          field_(std::move(field)),
          help_(std::move(help)),
          file_(std::move(file)),
          line_(line),
          column_(column),
          row_(row) {}

    /// The C status (`CG_RESULT_*`).
    cg_result result() const noexcept { return result_; }
    /// The stable code, e.g. `policy.syntax` or `ffi.null_argument`.
    const std::string &code() const noexcept { return code_; }
    /// The field at fault (`rules[0].limit`, `ask.channel`), or empty.
    const std::string &field() const noexcept { return field_; }
    /// A hint, or empty.
    const std::string &help() const noexcept { return help_; }
    /// The file of the mistake (the path given to Policy::load, or
    /// `preset:NAME`), or empty.
    const std::string &file() const noexcept { return file_; }
    /// 1-based line of the mistake, 0 when not known.
    uint32_t line() const noexcept { return line_; }
    /// 1-based column of the mistake, 0 when not known.
    uint32_t column() const noexcept { return column_; }
    /// 0-based row of an audited log, -1 when the error is about no row.
    int64_t row() const noexcept { return row_; }

private:
    cg_result result_;
    std::string code_;
    std::string field_;
    std::string help_;
    std::string file_;
    uint32_t line_;
    uint32_t column_;
    int64_t row_;
};

/// A policy that could not be loaded (`CG_RESULT_POLICY`).
class PolicyError : public Error {
public:
    using Error::Error;
};

namespace detail {

inline std::string to_string(cg_str s) { return s.len ? std::string(s.ptr, s.len) : std::string(); }
inline std::string_view to_view(cg_str s) noexcept {
    return s.len ? std::string_view(s.ptr, s.len) : std::string_view();
}
inline cg_str to_c(std::string_view s) noexcept { return cg_str{s.data(), s.size()}; }

struct ErrorFree {
    void operator()(cg_error *e) const noexcept { cg_error_free(e); }
};

/// Throws for a failed status, taking ownership of (and freeing) `raw`.
/// `raw` is taken by reference so that it is read after the call that
/// fills it (`check(cg_x(..., &err), err)`), whatever the argument order.
inline void check(cg_result result, cg_error *&raw) {
    std::unique_ptr<cg_error, ErrorFree> err(raw);
    raw = nullptr;
    if (result == CG_RESULT_OK) return;
    std::string code = to_string(cg_error_code(err.get()));
    std::string message = to_string(cg_error_message(err.get()));
    std::string field = to_string(cg_error_field(err.get()));
    std::string help = to_string(cg_error_help(err.get()));
    std::string file = to_string(cg_error_file(err.get()));
    const uint32_t line = cg_error_line(err.get());
    const uint32_t column = cg_error_column(err.get());
    const int64_t row = cg_error_row(err.get());
    if (result == CG_RESULT_POLICY)
        throw PolicyError(result, std::move(code), message, std::move(field), std::move(help), line, column,
                          std::move(file), row);
    throw Error(result, std::move(code), message, std::move(field), std::move(help), line, column, std::move(file),
                row);
}

struct PolicyFree {
    void operator()(const cg_policy *p) const noexcept { cg_policy_free(p); }
};
struct HistoryFree {
    void operator()(cg_history *h) const noexcept { cg_history_free(h); }
};
struct DecisionFree {
    void operator()(cg_decision *d) const noexcept { cg_decision_free(d); }
};

}  // namespace detail

/// "May we contact this person, on this channel, right now?"
///
/// No field has a default that could widen a decision: `channel` and `role`
/// are required, and deciding an Ask without them throws Error with code
/// `ffi.missing_field` naming the field (never a call to the debtor); the
/// optional fields left empty make the rules that need them assume the
/// stricter value.
struct Ask {
    Timestamp at{0, 0};
    std::optional<Channel> channel;
    std::string to;
    std::optional<Role> role;
    std::string debt;
    /// Candidate IANA zones: the contact must be permitted in every one.
    std::vector<std::string> timezones;
    std::optional<Place> place;
    std::optional<bool> autodialed;
    std::optional<Purpose> purpose;
    std::optional<int64_t> days_past_due;
};

enum class EventType : uint32_t {
    Attempt = CG_EVENT_TYPE_ATTEMPT,
    Consent = CG_EVENT_TYPE_CONSENT,
    OptOut = CG_EVENT_TYPE_OPT_OUT,
    Cease = CG_EVENT_TYPE_CEASE,
    Attorney = CG_EVENT_TYPE_ATTORNEY,
    Hold = CG_EVENT_TYPE_HOLD,
    PriorConsentToContact = CG_EVENT_TYPE_PRIOR_CONSENT_TO_CONTACT,
    RequestContact = CG_EVENT_TYPE_REQUEST_CONTACT,
    Inconvenient = CG_EVENT_TYPE_INCONVENIENT,
    Unreachable = CG_EVENT_TYPE_UNREACHABLE,
};

/// One history event; `type` says which fields are read (see cg_event_type).
/// The named constructors fill the required fields of each type. No field
/// has a default that picks a real value: a default-constructed Event has
/// no type, and pushing it throws Error (`ffi.missing_field`, field
/// `event.type`), never an attempt.
struct Event {
    /// Required: left empty, it is sent as `CG_EVENT_TYPE_UNSET` and pushing
    /// the event throws (`ffi.missing_field`, field `event.type`).
    std::optional<EventType> type;
    Timestamp at{0, 0};
    std::string to;
    std::optional<std::string> debt;
    std::optional<Channel> channel;
    /// Required for attempts; left empty, pushing the event throws
    /// (`ffi.missing_field`).
    std::optional<Role> role;
    /// Required for attempts: left empty, it is sent as
    /// `CG_ATTEMPT_RESULT_UNSET` and pushing the event throws
    /// (`ffi.missing_field`, field `event.result`).
    std::optional<AttemptResult> result;
    std::optional<Place> place;
    /// Required for holds: left empty, it is sent as
    /// `CG_HOLD_REASON_UNSET` and pushing the event throws
    /// (`ffi.missing_field`, field `event.reason`), never a dispute.
    std::optional<HoldReason> reason;
    std::optional<Timestamp> until;
    std::optional<std::string> kind;
    std::optional<std::string> start;
    std::optional<std::string> end;
    std::vector<std::string> weekdays;
    /// Consent and prior consent: false (withdrawn) unless set, so a
    /// forgotten flag never grants.
    bool granted = false;

    static Event attempt(Timestamp at, Channel channel, std::string to, Role role, std::string debt,
                         AttemptResult result) {
        Event e;
        e.type = EventType::Attempt;
        e.at = at;
        e.channel = channel;
        e.to = std::move(to);
        e.role = role;
        e.debt = std::move(debt);
        e.result = result;
        return e;
    }
    static Event consent(Timestamp at, std::string to, Channel channel, bool granted) {
        Event e;
        e.type = EventType::Consent;
        e.at = at;
        e.to = std::move(to);
        e.channel = channel;
        e.granted = granted;
        return e;
    }
    static Event opt_out(Timestamp at, std::string to, Channel channel) {
        Event e;
        e.type = EventType::OptOut;
        e.at = at;
        e.to = std::move(to);
        e.channel = channel;
        return e;
    }
    static Event cease(Timestamp at, std::string to, std::string debt) {
        Event e;
        e.type = EventType::Cease;
        e.at = at;
        e.to = std::move(to);
        e.debt = std::move(debt);
        return e;
    }
    static Event hold(Timestamp at, std::string debt, HoldReason reason, std::optional<Timestamp> until) {
        Event e;
        e.type = EventType::Hold;
        e.at = at;
        e.debt = std::move(debt);
        e.reason = reason;
        e.until = until;
        return e;
    }
};

class History;
class Decision;

/// A compiled, immutable policy. Copies share it (reference-counted); safe
/// to use from many threads at once.
class Policy {
public:
    /// Presets by name joined by `+`, e.g. `us-reg-f+us-ma`.
    static Policy presets(std::string_view names) {
        const cg_policy *p = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_policy_from_presets(names.data(), names.size(), &p, &err), err);
        return Policy(p);
    }
    /// Loads a policy file, TOML or JSON by its name; a PolicyError names
    /// the file (`policy.io`, `policy.encoding`, `policy.file_type`, or a
    /// mistake at its line and column).
    static Policy load(std::string_view path) {
        const cg_policy *p = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_policy_load(path.data(), path.size(), &p, &err), err);
        return Policy(p);
    }
    /// A policy written in TOML; throws PolicyError with line/column/field.
    static Policy from_toml(std::string_view text) {
        const cg_policy *p = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_policy_from_toml(text.data(), text.size(), &p, &err), err);
        return Policy(p);
    }
    /// A policy written in JSON; throws PolicyError with line/column/field.
    static Policy from_json(std::string_view text) {
        const cg_policy *p = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_policy_from_json(text.data(), text.size(), &p, &err), err);
        return Policy(p);
    }

    Policy(const Policy &other) : handle_(cg_policy_clone(other.handle_.get())) {}
    Policy &operator=(const Policy &other) {
        if (this != &other) handle_.reset(cg_policy_clone(other.handle_.get()));
        return *this;
    }
    Policy(Policy &&) noexcept = default;
    Policy &operator=(Policy &&) noexcept = default;
    ~Policy() = default;

    std::string name() const { return detail::to_string(cg_policy_name(handle_.get())); }
    std::size_t rule_count() const noexcept { return cg_policy_rule_count(handle_.get()); }
    const cg_policy *get() const noexcept { return handle_.get(); }

    /// Decides into `out` (reused across calls; no allocation for the ask).
    inline void decide(const History &history, const Ask &ask, Decision &out) const;
    /// Decides into a new Decision.
    inline Decision decide(const History &history, const Ask &ask) const;
    /// Decides many asks in one crossing; one verdict per ask.
    inline std::vector<cg_verdict> decide_batch(const History &history, const std::vector<Ask> &asks) const;
    /// JSON in (`{"ask":..., "history":[...]}`), JSON decision out.
    std::string decide_json(std::string_view request) const {
        std::string out(512, '\0');
        for (;;) {
            std::size_t len = 0;
            cg_error *err = nullptr;
            const cg_result r =
                cg_decide_json(handle_.get(), request.data(), request.size(), out.data(), out.size(), &len, &err);
            if (r == CG_RESULT_BUFFER_TOO_SMALL && len > out.size()) {
                cg_error_free(err);
                out.resize(len);
                continue;
            }
            detail::check(r, err);
            out.resize(len);
            return out;
        }
    }

private:
    explicit Policy(const cg_policy *p) : handle_(p) {}
    std::unique_ptr<const cg_policy, detail::PolicyFree> handle_;
};

/// Contact history. Move-only.
class History {
public:
    History() {
        cg_history *h = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_history_new(&h, &err), err);
        handle_.reset(h);
    }
    History(const History &) = delete;
    History &operator=(const History &) = delete;
    History(History &&) noexcept = default;
    History &operator=(History &&) noexcept = default;
    ~History() = default;

    /// Appends one event (copied).
    inline void push(const Event &e);
    std::size_t size() const noexcept { return cg_history_len(handle_.get()); }
    void clear() {
        cg_error *err = nullptr;
        detail::check(cg_history_clear(handle_.get(), &err), err);
    }
    const cg_history *get() const noexcept { return handle_.get(); }
    cg_history *get() noexcept { return handle_.get(); }

private:
    std::unique_ptr<cg_history, detail::HistoryFree> handle_;
};

/// One rule that denied. The views borrow from the Decision and are valid
/// until it is decided into again or destroyed.
struct Denial {
    std::string_view id;
    std::string_view cite;
    std::string_view message;
};

/// A decision; move-only, reusable across `Policy::decide` calls.
class Decision {
public:
    Decision() {
        cg_decision *d = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_decision_new(&d, &err), err);
        handle_.reset(d);
    }
    Decision(const Decision &) = delete;
    Decision &operator=(const Decision &) = delete;
    Decision(Decision &&) noexcept = default;
    Decision &operator=(Decision &&) noexcept = default;
    ~Decision() = default;

    bool allow() const noexcept { return cg_decision_allow(handle_.get()); }
    std::vector<Denial> denials() const {
        std::vector<Denial> out;
        const std::size_t n = cg_decision_denial_count(handle_.get());
        out.reserve(n);
        for (std::size_t i = 0; i < n; i++) {
            cg_denial d{};
            cg_error *err = nullptr;
            detail::check(cg_decision_denial(handle_.get(), i, &d, &err), err);
            out.push_back(Denial{detail::to_view(d.id), detail::to_view(d.cite), detail::to_view(d.message)});
        }
        return out;
    }
    std::vector<std::string_view> obligations() const {
        std::vector<std::string_view> out;
        const std::size_t n = cg_decision_obligation_count(handle_.get());
        for (std::size_t i = 0; i < n; i++) {
            cg_str s{};
            cg_error *err = nullptr;
            detail::check(cg_decision_obligation(handle_.get(), i, &s, &err), err);
            out.push_back(detail::to_view(s));
        }
        return out;
    }
    /// The earliest instant the same ask would pass, if any.
    std::optional<Timestamp> retry_at() const noexcept {
        Timestamp t{0, 0};
        if (cg_decision_retry_at(handle_.get(), &t)) return t;
        return std::nullopt;
    }
    cg_decision *get() noexcept { return handle_.get(); }
    const cg_decision *get() const noexcept { return handle_.get(); }

private:
    std::unique_ptr<cg_decision, detail::DecisionFree> handle_;
};

namespace detail {

/// A cg_ask pointing into an Ask (valid while both live).
struct CAsk {
    explicit CAsk(const Ask &a) {
        zones.reserve(a.timezones.size());
        for (const auto &z : a.timezones) zones.push_back(to_c(z));
        ask.at = a.at;
        // An empty channel or role stays 0 (UNSET): the C ABI reports it.
        if (a.channel) ask.channel = static_cast<uint32_t>(*a.channel);
        ask.to = to_c(a.to);
        if (a.role) ask.role = static_cast<uint32_t>(*a.role);
        ask.debt = to_c(a.debt);
        ask.timezones = zones.empty() ? nullptr : zones.data();
        ask.timezones_len = zones.size();
        if (a.place) {
            ask.place = static_cast<uint32_t>(*a.place);
            ask.has_place = 1;
        }
        if (a.purpose) {
            ask.purpose = static_cast<uint32_t>(*a.purpose);
            ask.has_purpose = 1;
        }
        if (a.autodialed) {
            ask.autodialed = *a.autodialed ? 1 : 0;
            ask.has_autodialed = 1;
        }
        if (a.days_past_due) {
            ask.days_past_due = *a.days_past_due;
            ask.has_days_past_due = 1;
        }
    }
    CAsk(const CAsk &) = delete;
    CAsk &operator=(const CAsk &) = delete;
    std::vector<cg_str> zones;
    cg_ask ask{};
};

/// A cg_event pointing into an Event (valid while both live).
struct CEvent {
    explicit CEvent(const Event &e) {
        days.reserve(e.weekdays.size());
        for (const auto &d : e.weekdays) days.push_back(to_c(d));
        // Without a type (or a hold's reason), UNSET: the C ABI refuses it
        // (ffi.missing_field, field `event.type` / `event.reason`).
        if (e.type) ev.type = static_cast<uint32_t>(*e.type);
        ev.at = e.at;
        ev.to = to_c(e.to);
        if (e.debt) {
            ev.debt = to_c(*e.debt);
            ev.has_debt = 1;
        }
        if (e.channel) {
            ev.channel = static_cast<uint32_t>(*e.channel);
            ev.has_channel = 1;
        }
        if (e.role) ev.role = static_cast<uint32_t>(*e.role);
        // Without a result, CG_ATTEMPT_RESULT_UNSET: the C ABI refuses an
        // attempt with it (ffi.missing_field, field `event.result`).
        if (e.result) ev.result = static_cast<uint32_t>(*e.result);
        if (e.place) {
            ev.place = static_cast<uint32_t>(*e.place);
            ev.has_place = 1;
        }
        if (e.reason) ev.reason = static_cast<uint32_t>(*e.reason);
        if (e.until) {
            ev.until = *e.until;
            ev.has_until = 1;
        }
        if (e.kind) {
            ev.kind = to_c(*e.kind);
            ev.has_kind = 1;
        }
        if (e.start) {
            ev.start = to_c(*e.start);
            ev.has_start = 1;
        }
        if (e.end) {
            ev.end = to_c(*e.end);
            ev.has_end = 1;
        }
        ev.weekdays = days.empty() ? nullptr : days.data();
        ev.weekdays_len = days.size();
        ev.granted = e.granted ? 1 : 0;
    }
    CEvent(const CEvent &) = delete;
    CEvent &operator=(const CEvent &) = delete;
    std::vector<cg_str> days;
    cg_event ev{};
};

}  // namespace detail

inline void Policy::decide(const History &history, const Ask &ask, Decision &out) const {
    const detail::CAsk c(ask);
    cg_error *err = nullptr;
    detail::check(cg_decide(handle_.get(), history.get(), &c.ask, out.get(), &err), err);
}

inline void History::push(const Event &e) {
    const detail::CEvent c(e);
    cg_error *err = nullptr;
    detail::check(cg_history_push(handle_.get(), &c.ev, &err), err);
}

inline Decision Policy::decide(const History &history, const Ask &ask) const {
    Decision d;
    decide(history, ask, d);
    return d;
}

inline std::vector<cg_verdict> Policy::decide_batch(const History &history, const std::vector<Ask> &asks) const {
    std::vector<std::unique_ptr<detail::CAsk>> keep;
    std::vector<cg_ask> c;
    keep.reserve(asks.size());
    c.reserve(asks.size());
    for (const auto &a : asks) {
        keep.push_back(std::make_unique<detail::CAsk>(a));
        c.push_back(keep.back()->ask);
    }
    std::vector<cg_verdict> out(asks.size());
    cg_error *err = nullptr;
    detail::check(cg_decide_batch(handle_.get(), history.get(), c.data(), c.size(), out.data(), &err), err);
    return out;
}

namespace detail {
struct LedgerFree {
    void operator()(cg_ledger *l) const noexcept { cg_ledger_free(l); }
};
struct TicketFree {
    void operator()(cg_ticket *t) const noexcept { cg_ticket_free(t); }
};
inline int32_t append_bytes(void *user_data, const uint8_t *data, std::size_t len) {
    try {
        auto *out = static_cast<std::vector<uint8_t> *>(user_data);
        out->insert(out->end(), data, data + len);
        return 0;
    } catch (...) {
        return 1;  // never let an exception cross into the library
    }
}
}  // namespace detail

/// A pending attempt admitted by Ledger::check_and_record. Move-only.
class Ticket {
public:
    Timestamp at() const noexcept { return cg_ticket_at(handle_.get()); }
    const cg_ticket *get() const noexcept { return handle_.get(); }

private:
    friend class Ledger;
    explicit Ticket(cg_ticket *t) : handle_(t) {}
    std::unique_ptr<cg_ticket, detail::TicketFree> handle_;
};

/// Options of a Redis ledger (`Ledger::redis`); empty strings and zeros
/// mean the defaults of `cg_redis_options`.
struct RedisOptions {
    /// With `rediss://`: PEM file of the CAs trusted for the server.
    std::string ca_file;
    /// With `rediss://`: PEM client certificate and its private key.
    std::string client_cert_file;
    std::string client_key_file;
    /// Connect and per-read/write timeouts, and the time one call may
    /// spend retrying before it denies, in milliseconds (0: 200, 200, 1000).
    uint32_t connect_timeout_ms = 0;
    uint32_t io_timeout_ms = 0;
    uint32_t deadline_ms = 0;
    /// Prefix of every key (empty: `cg:`).
    std::string key_prefix;
    /// When not 0: admit only after this many replicas acknowledged (WAIT).
    uint32_t wait_replicas = 0;
    uint32_t wait_timeout_ms = 0;
    /// Redis Sentinel: the primary's name and the Sentinels' URLs.
    std::string sentinel_master;
    std::vector<std::string> sentinel_urls;
};

/// Thread-safe recent contact history over a policy, with atomic
/// check-and-record and snapshots. Every method is const: the ledger
/// synchronises inside, so one Ledger may serve every thread. Move-only.
class Ledger {
public:
    /// A ledger deciding with `policy`; recipient and debt keys are stored
    /// hashed with a key derived from `key` (empty: a public default key).
    explicit Ledger(const Policy &policy, std::string_view key = {}) {
        cg_ledger *l = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_ledger_new(policy.get(), reinterpret_cast<const uint8_t *>(key.data()), key.size(), &l, &err),
                      err);
        handle_.reset(l);
    }

    /// A ledger kept in the Redis at `url` (`redis://[user:password@]host:port/db`
    /// or `rediss://...`), shared by every process that opens the same server
    /// and key prefix with the same `secret`. Connects now: throws Error
    /// (code `ledger.redis`, `ledger.config`...) when it cannot. Afterwards
    /// a Redis failure denies asks (rule `contactguard.redis`); snapshot and
    /// restore throw `ledger.unsupported`. Give each busy thread its own.
    static Ledger redis(const Policy &policy, std::string_view url, std::string_view secret,
                        const RedisOptions &options = {}) {
        auto str = [](const std::string &s) { return cg_str{s.data(), s.size()}; };
        std::vector<cg_str> sentinels;
        sentinels.reserve(options.sentinel_urls.size());
        for (const auto &u : options.sentinel_urls) sentinels.push_back(str(u));
        cg_redis_options o{};
        o.struct_size = sizeof o;
        o.ca_file = str(options.ca_file);
        o.client_cert_file = str(options.client_cert_file);
        o.client_key_file = str(options.client_key_file);
        o.connect_timeout_ms = options.connect_timeout_ms;
        o.io_timeout_ms = options.io_timeout_ms;
        o.deadline_ms = options.deadline_ms;
        o.key_prefix = str(options.key_prefix);
        o.wait_replicas = options.wait_replicas;
        o.wait_timeout_ms = options.wait_timeout_ms;
        o.sentinel_master = str(options.sentinel_master);
        o.sentinel_urls = sentinels.data();
        o.sentinel_url_count = sentinels.size();
        cg_ledger *l = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_ledger_open_redis(policy.get(), url.data(), url.size(),
                                           reinterpret_cast<const uint8_t *>(secret.data()), secret.size(), &o, &l,
                                           &err),
                      err);
        return Ledger(l);
    }

    /// Decides against the recorded history without recording.
    void check(const Ask &ask, Decision &out) const {
        const detail::CAsk c(ask);
        cg_error *err = nullptr;
        detail::check(cg_ledger_check(handle_.get(), &c.ask, out.get(), &err), err);
    }
    Decision check(const Ask &ask) const {
        Decision d;
        check(ask, d);
        return d;
    }

    /// Decides and, when allowed, records the attempt as pending, atomically;
    /// returns its ticket when admitted.
    std::optional<Ticket> check_and_record(const Ask &ask, Decision &out) const {
        const detail::CAsk c(ask);
        cg_ticket *t = nullptr;
        cg_error *err = nullptr;
        detail::check(cg_ledger_check_and_record(handle_.get(), &c.ask, out.get(), &t, &err), err);
        if (t == nullptr) return std::nullopt;
        return Ticket(t);
    }

    /// Sets the result of a pending attempt.
    void complete(const Ticket &ticket, AttemptResult result) const {
        cg_error *err = nullptr;
        detail::check(cg_ledger_complete(handle_.get(), ticket.get(), static_cast<uint32_t>(result), &err), err);
    }

    /// Records an event (an attempt made elsewhere, a consent, a cease...).
    void record(const Event &e) const {
        const detail::CEvent c(e);
        cg_error *err = nullptr;
        detail::check(cg_ledger_record(handle_.get(), &c.ev, &err), err);
    }

    /// A versioned, checksummed snapshot.
    std::vector<uint8_t> snapshot() const {
        std::vector<uint8_t> out;
        cg_error *err = nullptr;
        detail::check(cg_ledger_snapshot(handle_.get(), detail::append_bytes, &out, nullptr, &err), err);
        return out;
    }

    /// Restores a snapshot; throws Error (code `ledger.checksum`, ...) for
    /// a corrupt one.
    void restore(const std::vector<uint8_t> &bytes) const {
        cg_error *err = nullptr;
        detail::check(cg_ledger_restore(handle_.get(), bytes.data(), bytes.size(), &err), err);
    }

    /// Drops attempts too old to change any decision at `now`.
    std::size_t prune(Timestamp now) const noexcept { return cg_ledger_prune(handle_.get(), now); }

    const cg_ledger *get() const noexcept { return handle_.get(); }

private:
    explicit Ledger(cg_ledger *l) : handle_(l) {}
    std::unique_ptr<cg_ledger, detail::LedgerFree> handle_;
};

/// The library's runtime version ("MAJOR.MINOR.PATCH").
inline std::string_view version() noexcept { return cg_version(); }

}  // namespace contactguard

#endif  // CONTACTGUARD_HPP
