// Entry point of mqchatd: everything lives in mqchat_server.
#include "server/command_line.hpp"

int main(int argc, char** argv) {
    return mqchat::server::run_mqchatd(argc, argv);
}
