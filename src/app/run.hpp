// The whole mqchat program behind main(): parse, validate, dispatch.
#pragma once

namespace mqchat::app {

int run(int argc, char** argv);

}  // namespace mqchat::app
