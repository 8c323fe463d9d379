// Accounts: email rules, the account id derived from an email, display names,
// and adding / listing / deleting users (what `mqchatd user` does).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store.hpp"

namespace mqchat::server {

inline constexpr std::size_t kMaxEmailBytes = 254;
inline constexpr std::size_t kMaxNameBytes = 64;

// Trimmed and lowercased: the form stored and looked up.
std::string normalize_email(std::string_view email);

// Empty when `email` (normalized) looks like local@domain; else a reason.
std::string email_problem(std::string_view email);

// Empty when `name` can be a display name (1-64 bytes of printable UTF-8).
std::string display_name_problem(std::string_view name);

// The email's local part without any "+tag", lowercased and reduced to
// [a-z0-9._-], trimmed so
// it starts with a letter or digit, never starting with "mqchatd" (reserved
// for the server's own broker identity) and never empty. Valid per
// token::is_valid_account_id with room left for a numeric suffix.
std::string base_account_id(std::string_view email);

// base_account_id, or with the first numeric suffix (2, 3, ...) not `taken`
// (taken: in use or retired, see Store::id_taken).
std::string unique_account_id(std::string_view email,
                              const std::function<bool(const std::string&)>& taken);

struct NewAccount {
    std::string email;
    std::string name;  // empty: the email's local part
    std::string password;
};

struct AddResult {
    bool ok = false;
    UserRecord user;    // when ok
    std::string error;  // one line when not ok
    bool duplicate = false;
};

// Validates, hashes the password and inserts, retrying the id suffix when a
// concurrent insert took the id first.
AddResult add_account(Store& store, const NewAccount& account, std::int64_t now_ms);

}  // namespace mqchat::server
