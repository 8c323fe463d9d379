// Entry point of the mqchat client: everything lives in the libraries.
#include "app/run.hpp"

int main(int argc, char** argv) {
    mqchat::app::run_and_exit(argc, argv);
}
