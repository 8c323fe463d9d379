// The TUI's slash commands as one table: parsing, /help text and Tab
// completion all come from it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqchat {

enum class CommandId { join, part, me, quit, help };

struct CommandInfo {
    CommandId id;
    std::string_view name;   // without the slash
    std::string_view usage;  // "/join ROOM"
    std::string_view help;   // one line
    bool needs_argument;
};

const std::vector<CommandInfo>& slash_commands();

struct ParsedCommand {
    CommandId id;
    std::string argument;  // trimmed; may be empty
};

struct CommandParse {
    std::optional<ParsedCommand> command;
    std::string error;  // one line, when the input is a command that cannot run
};

// Input starting with '/' is a command ("//text" sends "/text" as a message:
// `is_command` is false then and `unescaped` holds the text).
bool is_command(std::string_view input);
std::string unescape_message(std::string_view input);
CommandParse parse_command(std::string_view input);

// "/jo" -> {"/join "}: every command name starting with `prefix` (which
// includes the slash).
std::vector<std::string> complete_command(std::string_view prefix);

}  // namespace mqchat
