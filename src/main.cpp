// Entry point of the mqchat client: everything lives in the libraries.
#include "app/run.hpp"

int main(int argc, char** argv) {
    return mqchat::app::run(argc, argv);
}
