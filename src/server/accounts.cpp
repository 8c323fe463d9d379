// Account rules and the add flow.
#include "accounts.hpp"

#include <algorithm>

#include "core/room_name.hpp"
#include "core/sanitize.hpp"
#include "core/utf8.hpp"
#include "passwords.hpp"
#include "token/jwt.hpp"

namespace mqchat::server {
namespace {

constexpr std::size_t kMaxBaseIdLength = 56;  // leaves room for a suffix within 64
constexpr std::string_view kReservedPrefix = "mqchatd";
constexpr int kMaxIdAttempts = 1000;

bool is_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view local_part(std::string_view email) {
    const auto at = email.rfind('@');
    return at == std::string_view::npos ? email : email.substr(0, at);
}

// The local part without a "+tag" (alice+chat -> alice): the tag is a mail
// filter, not part of who the user is.
std::string_view untagged_local_part(std::string_view email) {
    const std::string_view local = local_part(email);
    return local.substr(0, local.find('+'));
}

}  // namespace

std::string normalize_email(std::string_view email) {
    const auto first = email.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = email.find_last_not_of(" \t\r\n");
    std::string out(email.substr(first, last - first + 1));
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

std::string email_problem(std::string_view email) {
    if (email.empty()) return "the email is empty";
    if (email.size() > kMaxEmailBytes) return "the email is too long";
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= email.size() ||
        email.find('@', at + 1) != std::string_view::npos)
        return "invalid email " + quote_for_error(email) + ": expected local@domain";
    for (const unsigned char c : email)
        if (c <= 0x20 || c == 0x7F || c == '"' || c == '\\' || c == '<' || c == '>')
            return "invalid email " + quote_for_error(email) +
                   ": no spaces, quotes or control characters";
    if (!utf8::is_valid(email)) return "the email is not valid UTF-8";
    return {};
}

std::string display_name_problem(std::string_view name) {
    if (name.empty()) return "the display name is empty";
    if (name.size() > kMaxNameBytes)
        return "the display name is longer than " + std::to_string(kMaxNameBytes) + " bytes";
    if (!utf8::is_valid(name)) return "the display name is not valid UTF-8";
    // The name travels in every message and is compared by the broker plugin
    // byte for byte: it must already be what a terminal would show.
    if (sanitize(name) != name)
        return "the display name holds control or invisible characters: " + quote_for_error(name);
    return {};
}

std::string base_account_id(std::string_view email) {
    std::string id;
    for (const char c : untagged_local_part(email)) {
        const char lower = ascii_lower(c);
        if (is_id_char(lower)) id += lower;
    }
    const auto start = std::find_if(id.begin(), id.end(), is_alnum);
    id.erase(id.begin(), start);
    if (id.size() > kMaxBaseIdLength) id.resize(kMaxBaseIdLength);
    if (id.empty()) id = "user";
    if (id.starts_with(kReservedPrefix)) id = "u-" + id;
    if (id.size() > kMaxBaseIdLength) id.resize(kMaxBaseIdLength);
    return id;
}

std::string unique_account_id(std::string_view email,
                              const std::function<bool(const std::string&)>& taken) {
    const std::string base = base_account_id(email);
    if (!taken(base)) return base;
    for (int suffix = 2;; ++suffix) {
        std::string candidate = base + std::to_string(suffix);
        if (!taken(candidate)) return candidate;
    }
}

AddResult add_account(Store& store, const NewAccount& account, std::int64_t now_ms) {
    const std::string email = normalize_email(account.email);
    if (auto p = email_problem(email); !p.empty()) return {false, {}, p, false};
    const std::string name = account.name.empty() ? std::string(local_part(email)) : account.name;
    if (auto p = display_name_problem(name); !p.empty()) return {false, {}, p, false};
    if (auto p = password_problem(account.password); !p.empty()) return {false, {}, p, false};
    if (store.user_by_email(email))
        return {false,
                {},
                "a user with the email " + quote_for_error(email, 80) + " already exists",
                true};
    UserRecord user{"", email, name, hash_password(account.password), now_ms};
    const auto taken = [&](const std::string& id) { return store.id_taken(id); };
    for (int attempt = 0; attempt < kMaxIdAttempts; ++attempt) {
        user.id = unique_account_id(email, taken);
        if (!token::is_valid_account_id(user.id))
            return {false, {}, "cannot derive an account id from the email", false};
        switch (store.insert_user(user)) {
            case InsertUser::inserted:
                return {true, user, {}, false};
            case InsertUser::email_taken:
                return {false,
                        {},
                        "a user with the email " + quote_for_error(email, 80) + " already exists",
                        true};
            case InsertUser::id_taken:
                continue;  // another process took the id between check and insert
        }
    }
    return {false, {}, "cannot find a free account id", false};
}

}  // namespace mqchat::server
