// The command table and its parser.
#include "slash_commands.hpp"

namespace mqchat {
namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(' ');
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(' ');
    return s.substr(first, last - first + 1);
}

}  // namespace

const std::vector<CommandInfo>& slash_commands() {
    static const std::vector<CommandInfo> table = {
        {CommandId::join, "join", "/join ROOM", "join ROOM (or switch to it)", true},
        {CommandId::part, "part", "/part", "leave the current room", false},
        {CommandId::me, "me", "/me TEXT", "send TEXT as an action: * you TEXT", true},
        {CommandId::help, "help", "/help", "list commands and keys", false},
        {CommandId::quit, "quit", "/quit", "leave mqchat", false},
    };
    return table;
}

bool is_command(std::string_view input) {
    return input.starts_with('/') && !input.starts_with("//");
}

std::string unescape_message(std::string_view input) {
    if (input.starts_with("//")) input.remove_prefix(1);
    return std::string(input);
}

CommandParse parse_command(std::string_view input) {
    input.remove_prefix(1);  // the slash
    const auto space = input.find(' ');
    const std::string_view name = input.substr(0, space);
    const std::string_view argument =
        space == std::string_view::npos ? std::string_view{} : trim(input.substr(space));
    for (const auto& c : slash_commands()) {
        if (c.name != name) continue;
        if (c.needs_argument && argument.empty())
            return {std::nullopt, "usage: " + std::string(c.usage)};
        return {ParsedCommand{c.id, std::string(argument)}, {}};
    }
    return {std::nullopt, "unknown command /" + std::string(name) + " (try /help)"};
}

std::vector<std::string> complete_command(std::string_view prefix) {
    std::vector<std::string> out;
    if (!prefix.starts_with('/')) return out;
    prefix.remove_prefix(1);
    for (const auto& c : slash_commands())
        if (c.name.starts_with(prefix)) out.push_back("/" + std::string(c.name) + " ");
    return out;
}

}  // namespace mqchat
