// The Redis ledger through the C ABI (cg_ledger_open_redis) and the C++
// wrapper (Ledger::redis), against a private redis-server started here on
// a free loopback port (with a password, so every open goes through AUTH):
//
// - the shared ledger scenarios (tests/ledger-scenarios/*.json) on a fresh
//   in-memory cg_ledger and a fresh Redis cg_ledger (a unique key prefix per
//   run): each step's expect holds on both, and both decide alike;
// - errors at open (wrong password, unreachable, bad options) with messages
//   free of the password; snapshot/restore refused (`ledger.unsupported`);
// - a server that goes away after the open: asks are denied by
//   `contactguard.redis` (fail closed), complete/record fail.
//
// Without redis-server on the PATH the tests skip, unless
// CONTACTGUARD_REDIS_REQUIRED is set (make ffi-test installs it).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "contactguard.hpp"
#include "json_structs.hpp"

extern char **environ;

namespace fs = std::filesystem;
using namespace cgtest;

namespace {

const char *const kPassword = "p4ss-Word-for-the-test";

int free_port() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (s < 0 || bind(s, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
        getsockname(s, reinterpret_cast<sockaddr *>(&addr), &len) != 0) {
        throw std::runtime_error("no free port");
    }
    close(s);
    return ntohs(addr.sin_port);
}

bool listening(int port) {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = connect(s, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    close(s);
    return ok;
}

bool have_redis_server() {
    const char *path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (!dir.empty() && access((dir + "/redis-server").c_str(), X_OK) == 0) return true;
    }
    return false;
}

// A redis-server child with a password, no persistence, in a temporary
// directory; stopped and removed on destruction.
class RedisServer {
public:
    RedisServer() : port_(free_port()) {
        dir_ = fs::temp_directory_path() / ("cg-redis-test-" + std::to_string(getpid()) + "-" + std::to_string(port_));
        fs::create_directories(dir_);
        std::vector<std::string> args = {"redis-server", "--port",     std::to_string(port_), "--bind",
                                         "127.0.0.1",    "--save",     "",                    "--appendonly",
                                         "no",           "--dir",      dir_.string(),         "--logfile",
                                         (dir_ / "redis.log").string(), "--requirepass", kPassword};
        std::vector<char *> argv;
        for (auto &a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
            throw std::runtime_error("cannot start redis-server");
        }
        const auto start = std::chrono::steady_clock::now();
        while (!listening(port_)) {
            if (std::chrono::steady_clock::now() - start > std::chrono::seconds(20)) {
                throw std::runtime_error("redis-server did not listen on " + std::to_string(port_));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    RedisServer(const RedisServer &) = delete;
    RedisServer &operator=(const RedisServer &) = delete;
    ~RedisServer() {
        stop();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
    }

    std::string url(const std::string &password = kPassword) const {
        return "redis://:" + password + "@127.0.0.1:" + std::to_string(port_) + "/";
    }

private:
    int port_;
    pid_t pid_ = -1;
    fs::path dir_;
};

// One server for the whole program (scenarios and error tests).
RedisServer *shared_server() {
    static std::unique_ptr<RedisServer> server;
    if (!server) server = std::make_unique<RedisServer>();
    return server.get();
}

#define REQUIRE_REDIS()                                                            \
    do {                                                                           \
        if (!have_redis_server()) {                                                \
            if (std::getenv("CONTACTGUARD_REDIS_REQUIRED")) {                      \
                FAIL() << "redis-server is not installed (make redis-deps)";       \
            }                                                                      \
            GTEST_SKIP() << "redis-server not found (make redis-deps)";            \
        }                                                                          \
    } while (0)

std::string unique_prefix(const std::string &name) {
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    return "scenario:cpp:" + name + ":" + std::to_string(getpid()) + ":" + std::to_string(now) + ":";
}

struct LedgerFree {
    void operator()(cg_ledger *l) const { cg_ledger_free(l); }
};
struct TicketFree {
    void operator()(cg_ticket *t) const { cg_ticket_free(t); }
};
using LedgerPtr = std::unique_ptr<cg_ledger, LedgerFree>;
using TicketPtr = std::unique_ptr<cg_ticket, TicketFree>;

LedgerPtr open_redis(const cg_policy *policy, const std::string &url, const std::string &secret,
                     const std::string &prefix) {
    cg_redis_options o{};
    o.struct_size = sizeof o;
    o.key_prefix = view(prefix);
    cg_ledger *l = nullptr;
    cg_error *err = nullptr;
    check(cg_ledger_open_redis(policy, url.data(), url.size(), reinterpret_cast<const uint8_t *>(secret.data()),
                               secret.size(), &o, &l, &err),
          err, "cg_ledger_open_redis");
    return LedgerPtr(l);
}

// What two backends must agree on.
struct Outcome {
    bool allow;
    std::set<std::string> denied_by;
    std::optional<std::pair<int64_t, int32_t>> retry;
    bool operator==(const Outcome &o) const {
        return allow == o.allow && denied_by == o.denied_by && retry == o.retry;
    }
};

// Runs a scenario's steps on `ledger`, asserting each expect; returns the
// decisions' outcomes.
std::vector<Outcome> run(const json &sc, const cg_ledger *ledger, const std::string &backend) {
    std::vector<Outcome> outcomes;
    std::map<std::string, TicketPtr> tickets;
    const auto &steps = sc.at("steps");
    for (size_t i = 0; i < steps.size(); i++) {
        const json &step = steps[i];
        const std::string where = sc.at("name").get<std::string>() + " (" + backend + ") step " + std::to_string(i);
        SCOPED_TRACE(where);
        const std::string op = step.at("op").get<std::string>();
        Arena arena;
        cg_error *err = nullptr;
        if (op == "check" || op == "check_and_record") {
            const cg_ask ask = to_ask(step.at("ask"), arena);
            contactguard::Decision d;
            if (op == "check") {
                check(cg_ledger_check(ledger, &ask, d.get(), &err), err, where);
            } else {
                cg_ticket *t = nullptr;
                check(cg_ledger_check_and_record(ledger, &ask, d.get(), &t, &err), err, where);
                TicketPtr ticket(t);
                EXPECT_EQ(ticket != nullptr, d.allow()) << "a ticket exactly when admitted";
                if (step.contains("ticket")) {
                    if (!ticket) {
                        ADD_FAILURE() << "ticket " << step["ticket"] << " was not admitted";
                    } else {
                        tickets[step["ticket"].get<std::string>()] = std::move(ticket);
                    }
                }
            }
            Outcome got{d.allow(), {}, std::nullopt};
            for (const auto &den : d.denials()) got.denied_by.insert(std::string(den.id));
            if (auto r = d.retry_at()) got.retry = std::make_pair(r->seconds, r->nanos);
            const json &expect = step.at("expect");
            EXPECT_EQ(got.allow, expect.at("allow").get<bool>()) << expect.value("why", "");
            if (expect.contains("denied_by")) {
                for (const auto &id : expect["denied_by"]) {
                    EXPECT_TRUE(got.denied_by.count(id.get<std::string>())) << "expected a denial by " << id;
                }
            }
            if (expect.contains("retry_at")) {
                std::optional<std::pair<int64_t, int32_t>> want;
                if (!expect["retry_at"].is_null()) {
                    const cg_timestamp t = parse_time(expect["retry_at"].get<std::string>());
                    want = std::make_pair(t.seconds, t.nanos);
                }
                EXPECT_EQ(got.retry, want) << "retry_at " << expect["retry_at"];
            }
            if (expect.contains("obligations")) {
                const auto obs = d.obligations();
                for (const auto &o : expect["obligations"]) {
                    EXPECT_NE(std::find(obs.begin(), obs.end(), o.get<std::string>()), obs.end())
                        << "expected obligation " << o;
                }
            }
            outcomes.push_back(got);
        } else if (op == "complete") {
            const auto it = tickets.find(step.at("ticket").get<std::string>());
            if (it == tickets.end()) {
                ADD_FAILURE() << "no ticket " << step["ticket"];
                continue;
            }
            const uint32_t result = lookup(kResults, step.at("result"), "result");
            check(cg_ledger_complete(ledger, it->second.get(), result, &err), err, where);
        } else if (op == "record") {
            const cg_event ev = to_event(step.at("event"), arena);
            check(cg_ledger_record(ledger, &ev, &err), err, where);
        } else {
            ADD_FAILURE() << "unknown op " << op;
        }
    }
    return outcomes;
}

std::vector<fs::path> scenario_files() {
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(fs::path(CG_REPO_DIR) / "tests" / "ledger-scenarios")) {
        if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

struct PolicyFreeC {
    void operator()(const cg_policy *p) const { cg_policy_free(p); }
};

std::unique_ptr<const cg_policy, PolicyFreeC> scenario_policy(const json &spec) {
    const cg_policy *p = nullptr;
    cg_error *err = nullptr;
    if (spec.is_string()) {
        const auto names = spec.get<std::string>();
        check(cg_policy_from_presets(names.data(), names.size(), &p, &err), err, "preset " + names);
    } else {
        const auto text = spec.dump();
        check(cg_policy_from_json(text.data(), text.size(), &p, &err), err, "inline policy");
    }
    return std::unique_ptr<const cg_policy, PolicyFreeC>(p);
}

TEST(LedgerScenarios, MemoryAndRedisAgree) {
    REQUIRE_REDIS();
    const auto files = scenario_files();
    ASSERT_GE(files.size(), 4u);
    for (const auto &file : files) {
        SCOPED_TRACE(file.string());
        std::ifstream in(file);
        const json sc = json::parse(in);
        ASSERT_EQ(sc.at("format"), "contactguard-ledger-scenario/1");
        const auto policy = scenario_policy(sc.at("policy"));
        const std::string secret = sc.at("secret").get<std::string>();

        cg_ledger *raw = nullptr;
        cg_error *err = nullptr;
        check(cg_ledger_new(policy.get(), reinterpret_cast<const uint8_t *>(secret.data()), secret.size(), &raw, &err),
              err, "cg_ledger_new");
        const LedgerPtr memory(raw);
        const auto mem = run(sc, memory.get(), "memory");

        const LedgerPtr redis = open_redis(policy.get(), shared_server()->url(), secret,
                                           unique_prefix(sc.at("name").get<std::string>()));
        const auto red = run(sc, redis.get(), "redis");
        EXPECT_TRUE(mem == red) << "the backends disagree";
    }
}

contactguard::Ask ask_at(int64_t seconds, const std::string &to = "c1") {
    contactguard::Ask ask;
    ask.at = contactguard::Timestamp{seconds, 0};
    ask.channel = contactguard::Channel::Call;
    ask.to = to;
    ask.role = contactguard::Role::Debtor;
    ask.debt = "d1";
    ask.timezones = {"America/New_York"};
    return ask;
}

// 2026-06-10T10:00:00-04:00
constexpr int64_t kJune10 = 1781100000;

TEST(RedisLedger, WrapperSharesOneHistoryAcrossLedgers) {
    REQUIRE_REDIS();
    const auto policy = contactguard::Policy::presets("us-reg-f");
    contactguard::RedisOptions options;
    options.key_prefix = unique_prefix("wrapper");
    options.io_timeout_ms = 1000;
    const auto a = contactguard::Ledger::redis(policy, shared_server()->url(), "fleet secret", options);
    const auto b = contactguard::Ledger::redis(policy, shared_server()->url(), "fleet secret", options);
    contactguard::Decision d;
    auto ticket = a.check_and_record(ask_at(kJune10), d);
    ASSERT_TRUE(d.allow());
    ASSERT_TRUE(ticket.has_value());
    // The other ledger (another dialer) sees the pending call: it may be a
    // conversation, so us-reg-f.11 closes the debt's calls for 7 dates.
    const auto seen = b.check(ask_at(kJune10 + 3600));
    EXPECT_FALSE(seen.allow());
    ASSERT_FALSE(seen.denials().empty());
    EXPECT_EQ(seen.denials()[0].id, "us-reg-f.11");
    b.complete(*ticket, contactguard::AttemptResult::NoAnswer);
    EXPECT_TRUE(a.check(ask_at(kJune10 + 3600)).allow());
    // Completing twice: the ticket is gone.
    try {
        a.complete(*ticket, contactguard::AttemptResult::NoAnswer);
        ADD_FAILURE() << "a second completion succeeded";
    } catch (const contactguard::Error &e) {
        EXPECT_EQ(e.code(), "ledger.unknown_ticket");
    }
    // A different secret hashes keys differently: an empty history.
    const auto other = contactguard::Ledger::redis(policy, shared_server()->url(), "another secret", options);
    EXPECT_TRUE(other.check(ask_at(kJune10 + 3600)).allow());
}

TEST(RedisLedger, SnapshotRestoreAndCheckpointAreRefused) {
    REQUIRE_REDIS();
    const auto policy = contactguard::Policy::presets("us-reg-f");
    contactguard::RedisOptions options;
    options.key_prefix = unique_prefix("unsupported");
    const auto l = contactguard::Ledger::redis(policy, shared_server()->url(), "s", options);
    for (int op = 0; op < 2; op++) {
        try {
            if (op == 0) {
                (void)l.snapshot();
            } else {
                l.restore({1, 2, 3});
            }
            ADD_FAILURE() << "operation " << op << " succeeded on a Redis ledger";
        } catch (const contactguard::Error &e) {
            EXPECT_EQ(e.result(), CG_RESULT_LEDGER);
            EXPECT_EQ(e.code(), "ledger.unsupported");
        }
    }
    cg_error *err = nullptr;
    EXPECT_EQ(cg_ledger_checkpoint(l.get(), &err), CG_RESULT_LEDGER);
    EXPECT_EQ(str(cg_error_code(err)), "ledger.unsupported");
    cg_error_free(err);
    EXPECT_EQ(l.prune(contactguard::Timestamp{kJune10, 0}), 0u);
}

TEST(RedisLedger, OpenErrorsNameTheCauseNotThePassword) {
    REQUIRE_REDIS();
    const auto policy = contactguard::Policy::presets("us-reg-f");
    const std::string wrong = "Wr0ng-pass-word-xyz";
    try {
        (void)contactguard::Ledger::redis(policy, shared_server()->url(wrong), "s");
        ADD_FAILURE() << "a wrong password was accepted";
    } catch (const contactguard::Error &e) {
        EXPECT_EQ(e.code(), "redis.unavailable");
        EXPECT_EQ(std::string(e.what()).find(wrong), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find(kPassword), std::string::npos) << e.what();
    }
    // Nobody listens on a fresh free port.
    contactguard::RedisOptions fast;
    fast.deadline_ms = 300;
    try {
        (void)contactguard::Ledger::redis(
            policy, "redis://:" + std::string(kPassword) + "@127.0.0.1:" + std::to_string(free_port()) + "/", "s", fast);
        ADD_FAILURE() << "an unreachable server was accepted";
    } catch (const contactguard::Error &e) {
        EXPECT_EQ(e.code(), "redis.unavailable");
        EXPECT_EQ(std::string(e.what()).find(kPassword), std::string::npos) << e.what();
    }
    try {
        (void)contactguard::Ledger::redis(policy, "http://127.0.0.1:1/", "s");
        ADD_FAILURE() << "an http URL was accepted";
    } catch (const contactguard::Error &e) {
        EXPECT_EQ(e.code(), "redis.config");
    }
    contactguard::RedisOptions half;
    half.client_cert_file = "/nonexistent/cert.pem";
    try {
        (void)contactguard::Ledger::redis(policy, shared_server()->url(), "s", half);
        ADD_FAILURE() << "a certificate without its key was accepted";
    } catch (const contactguard::Error &e) {
        EXPECT_EQ(e.result(), CG_RESULT_INVALID_ARGUMENT);
        EXPECT_EQ(e.field(), "options.client_key_file");
    }
}

TEST(RedisLedger, CAbiArgumentsAreChecked) {
    REQUIRE_REDIS();
    cg_error *err = nullptr;
    const cg_policy *policy = nullptr;
    check(cg_policy_from_presets("us-reg-f", 8, &policy, &err), err, "preset");
    const std::string url = shared_server()->url();
    cg_ledger *l = nullptr;
    // NULL options: the defaults (prefix cg:).
    ASSERT_EQ(cg_ledger_open_redis(policy, url.data(), url.size(), nullptr, 0, nullptr, &l, &err), CG_RESULT_OK);
    EXPECT_EQ(err, nullptr);
    EXPECT_NE(l, nullptr);
    cg_ledger_free(l);
    l = nullptr;
    // A struct_size smaller than the first version's fields.
    cg_redis_options o{};
    o.struct_size = sizeof(size_t);
    EXPECT_EQ(cg_ledger_open_redis(policy, url.data(), url.size(), nullptr, 0, &o, &l, &err),
              CG_RESULT_INVALID_ARGUMENT);
    EXPECT_EQ(str(cg_error_field(err)), "options.struct_size");
    cg_error_free(err);
    EXPECT_EQ(l, nullptr);
    EXPECT_EQ(cg_abi_sizeof(CG_ABI_STRUCT_REDIS_OPTIONS), sizeof(cg_redis_options));
    // NULLs.
    EXPECT_EQ(cg_ledger_open_redis(nullptr, url.data(), url.size(), nullptr, 0, nullptr, &l, nullptr),
              CG_RESULT_NULL_ARGUMENT);
    EXPECT_EQ(cg_ledger_open_redis(policy, nullptr, 5, nullptr, 0, nullptr, &l, nullptr), CG_RESULT_NULL_ARGUMENT);
    EXPECT_EQ(cg_ledger_open_redis(policy, url.data(), url.size(), nullptr, 0, nullptr, nullptr, nullptr),
              CG_RESULT_NULL_ARGUMENT);
    // Sentinel URLs without a master name.
    o = cg_redis_options{};
    o.struct_size = sizeof o;
    const cg_str sentinel = view(url);
    o.sentinel_urls = &sentinel;
    o.sentinel_url_count = 1;
    EXPECT_EQ(cg_ledger_open_redis(policy, url.data(), url.size(), nullptr, 0, &o, &l, &err),
              CG_RESULT_INVALID_ARGUMENT);
    EXPECT_EQ(str(cg_error_field(err)), "options.sentinel_master");
    cg_error_free(err);
    cg_policy_free(policy);
}

TEST(RedisLedger, AServerGoneAfterTheOpenDeniesAsks) {
    REQUIRE_REDIS();
    RedisServer server;
    const auto policy = contactguard::Policy::presets("us-reg-f");
    contactguard::RedisOptions fast;
    fast.deadline_ms = 300;
    fast.connect_timeout_ms = 100;
    fast.io_timeout_ms = 100;
    fast.key_prefix = unique_prefix("gone");
    const auto l = contactguard::Ledger::redis(policy, server.url(), "s", fast);
    contactguard::Decision d;
    auto ticket = l.check_and_record(ask_at(kJune10), d);
    ASSERT_TRUE(d.allow());
    ASSERT_TRUE(ticket.has_value());
    server.stop();
    auto next = l.check_and_record(ask_at(kJune10 + 60, "c2"), d);
    EXPECT_FALSE(d.allow());
    EXPECT_FALSE(next.has_value());
    ASSERT_EQ(d.denials().size(), 1u);
    EXPECT_EQ(d.denials()[0].id, "contactguard.redis");
    EXPECT_FALSE(l.check(ask_at(kJune10 + 60, "c2")).allow());
    try {
        l.complete(*ticket, contactguard::AttemptResult::NoAnswer);
        ADD_FAILURE() << "complete succeeded without a server";
    } catch (const contactguard::Error &e) {
        EXPECT_EQ(e.code(), "redis.unavailable");
    }
}

}  // namespace
