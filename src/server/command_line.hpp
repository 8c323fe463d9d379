// mqchatd's command line (SPEC §6): serve and user add/list/del.
#pragma once

namespace mqchat::server {

// Parses argv with CLI11 and runs the command. Exit status: 0 ok, 1 failure,
// 2 usage or invalid input.
int run_mqchatd(int argc, char** argv);

}  // namespace mqchat::server
