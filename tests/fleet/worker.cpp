// A dialer of the fleet test (#17), in C++ over the C ABI's Redis ledger:
// the fleet worker protocol of issue #17, written out below.
//
//   worker URL POLICY SECRET   < lines
//
// POLICY is a policy file (JSON when it starts with `{`, else TOML) or, when
// no such file exists, a preset expression (`us-reg-f+conduct`). Optional
// environment: CG_SENTINEL_MASTER and CG_SENTINEL_URLS (comma-separated; URL
// may then be `-`), CG_WAIT_REPLICAS, CG_WAIT_TIMEOUT_MS, CG_KEY_PREFIX,
// CG_CA_FILE.
//
// Input lines: `ASK <to> <debt> <at-rfc3339> <result>` (check_and_record a
// call to a debtor in America/New_York, mobile, collection, not autodialed,
// 30 days past due; when admitted, complete it with <result>) and
// `SLEEP <ms>`. Output, flushed per line: `ADMIT <to> <debt> <at> <result>`
// or `DENY <to> <debt> <at> <rule ids,comma-separated>`. Exit 0 at EOF; 2
// with a message on stderr for a setup error or a malformed line.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "contactguard.hpp"

namespace cg = contactguard;

namespace {

[[noreturn]] void die(const std::string &message) {
    std::cerr << "worker: " << message << std::endl;
    std::exit(2);
}

std::string env(const char *name) {
    const char *v = std::getenv(name);
    return v ? v : "";
}

uint32_t env_u32(const char *name) {
    const std::string v = env(name);
    if (v.empty()) return 0;
    try {
        size_t used = 0;
        const unsigned long n = std::stoul(v, &used);
        if (used != v.size() || n > UINT32_MAX) throw std::out_of_range(name);
        return static_cast<uint32_t>(n);
    } catch (const std::exception &) {
        die(std::string(name) + " is not a number: `" + v + "`");
    }
}

std::vector<std::string> split(const std::string &s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, sep)) {
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t mp = (m + 9) % 12;
    const int64_t doy = (153 * mp + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// RFC 3339: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM); false when not.
bool parse_time(const std::string &s, cg::Timestamp &out) {
    auto num = [&](size_t pos, size_t n, int64_t &v) {
        if (pos + n > s.size()) return false;
        v = 0;
        for (size_t i = pos; i < pos + n; i++) {
            if (s[i] < '0' || s[i] > '9') return false;
            v = v * 10 + (s[i] - '0');
        }
        return true;
    };
    int64_t y, mo, d, h, mi, sec;
    if (s.size() < 20 || !num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d) ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, h) || s[13] != ':' || !num(14, 2, mi) ||
        s[16] != ':' || !num(17, 2, sec) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return false;
    }
    size_t pos = 19;
    int32_t nanos = 0;
    if (s[pos] == '.') {
        int32_t scale = 100000000;
        size_t digits = 0;
        for (pos++; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; pos++, digits++) {
            nanos += (s[pos] - '0') * scale;
            scale /= 10;
        }
        if (digits == 0 || digits > 9) return false;
    }
    int64_t offset = 0;
    if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        offset = 0;
    } else if (pos + 6 == s.size() && (s[pos] == '+' || s[pos] == '-') && s[pos + 3] == ':') {
        int64_t oh, om;
        if (!num(pos + 1, 2, oh) || !num(pos + 4, 2, om)) return false;
        offset = (oh * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
    } else {
        return false;
    }
    out = cg::Timestamp{days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset, nanos};
    return true;
}

const std::map<std::string, cg::AttemptResult> kResults = {
    {"not_connected", cg::AttemptResult::NotConnected}, {"no_answer", cg::AttemptResult::NoAnswer},
    {"voicemail", cg::AttemptResult::Voicemail},         {"conversation", cg::AttemptResult::Conversation},
    {"delivered", cg::AttemptResult::Delivered},         {"failed", cg::AttemptResult::Failed},
};

cg::Policy load_policy(const std::string &spec) {
    std::ifstream in(spec, std::ios::binary);
    if (!in) return cg::Policy::presets(spec);
    std::stringstream text;
    text << in.rdbuf();
    const std::string body = text.str();
    const size_t first = body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && body[first] == '{') return cg::Policy::from_json(body);
    return cg::Policy::from_toml(body);
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4) die("usage: worker URL POLICY_FILE SECRET");
    const std::string master = env("CG_SENTINEL_MASTER");
    std::string url = argv[1];
    cg::RedisOptions options;
    options.key_prefix = env("CG_KEY_PREFIX");
    options.ca_file = env("CG_CA_FILE");
    options.wait_replicas = env_u32("CG_WAIT_REPLICAS");
    options.wait_timeout_ms = env_u32("CG_WAIT_TIMEOUT_MS");
    if (!master.empty()) {
        options.sentinel_master = master;
        options.sentinel_urls = split(env("CG_SENTINEL_URLS"), ',');
        // The URL gives only the primary's scheme, password and database.
        if (url == "-") url = "redis://127.0.0.1/";
    }
    std::optional<cg::Ledger> ledger;
    try {
        const cg::Policy policy = load_policy(argv[2]);
        ledger.emplace(cg::Ledger::redis(policy, url, argv[3], options));
    } catch (const cg::Error &e) {
        die(std::string("cannot open the ledger: ") + e.code() + ": " + e.what());
    }

    cg::Decision decision;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const auto words = split(line, ' ');
        if (words.empty()) continue;
        if (words[0] == "SLEEP" && words.size() == 2) {
            char *end = nullptr;
            const long ms = std::strtol(words[1].c_str(), &end, 10);
            if (*end != '\0' || ms < 0) die("bad SLEEP line: " + line);
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            continue;
        }
        if (words[0] != "ASK" || words.size() != 5) die("bad line: " + line);
        const auto result = kResults.find(words[4]);
        if (result == kResults.end()) die("unknown result `" + words[4] + "` in: " + line);
        cg::Ask ask;
        if (!parse_time(words[3], ask.at)) die("bad time `" + words[3] + "` in: " + line);
        ask.channel = cg::Channel::Call;
        ask.to = words[1];
        ask.role = cg::Role::Debtor;
        ask.debt = words[2];
        ask.timezones = {"America/New_York"};
        ask.place = cg::Place::Mobile;
        ask.purpose = cg::Purpose::Collection;
        ask.autodialed = false;
        ask.days_past_due = 30;
        try {
            auto ticket = ledger->check_and_record(ask, decision);
            if (ticket) {
                try {
                    ledger->complete(*ticket, result->second);
                } catch (const cg::Error &e) {
                    // The attempt stays pending (counted at its strictest).
                    std::cerr << "worker: complete failed: " << e.code() << ": " << e.what() << std::endl;
                }
                std::cout << "ADMIT " << words[1] << ' ' << words[2] << ' ' << words[3] << ' ' << words[4] << '\n';
            } else {
                std::string ids;
                for (const auto &d : decision.denials()) {
                    if (!ids.empty()) ids += ',';
                    ids += d.id;
                }
                std::cout << "DENY " << words[1] << ' ' << words[2] << ' ' << words[3] << ' ' << ids << '\n';
            }
        } catch (const cg::Error &e) {
            die(std::string("check_and_record failed: ") + e.code() + ": " + e.what());
        }
        std::cout.flush();
    }
    return 0;
}
