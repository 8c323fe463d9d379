// Calendar arithmetic for message times, without the C library's time zone state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqchat {

// Parses ISO-8601 / RFC 3339 date-times ("2024-11-24T09:41:00Z",
// "2024-11-24T09:41:00.123+02:00", date only "2024-11-24") to ms since the epoch.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// "2024-11-24T09:41:00.123Z"
std::string format_iso8601_ms(std::int64_t ms);

// "HH:MM:SS" of `ms` in the local time zone (TZ), daylight saving included.
std::string format_clock(std::int64_t ms);

// The local calendar day of `ms` as a number that changes with the date
// (yyyymmdd), or nothing when the time cannot be converted.
std::optional<std::int64_t> local_day(std::int64_t ms);

// "Tue 24 Nov 2026": the local date of `ms`, in English whatever the locale
// (the same everywhere, and what the golden screens expect).
std::string format_day(std::int64_t ms);

}  // namespace mqchat
