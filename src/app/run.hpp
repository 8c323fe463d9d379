// The whole mqchat program behind main(): parse, validate, dispatch.
#pragma once

namespace mqchat::app {

int run(int argc, char** argv);

// run(), then the process ends at once with its exit status, everything
// written flushed: what a library left running (Paho's threads) is not
// waited for. Every file and terminal state is restored inside run().
[[noreturn]] void run_and_exit(int argc, char** argv);

}  // namespace mqchat::app
