// One person's mqchat against a Stack: logged in once (`mqchat login`), with
// a state dir (session.json) and config dir of their own.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mqchat_runner.hpp"
#include "support/stack.hpp"

namespace testsupport {

class Person {
  public:
    Person(const Stack& stack, const std::string& email, const std::string& password) {
        auto r =
            mqchat({"login", "--server", "http://127.0.0.1:" + std::to_string(stack.http_port()),
                    "--email", email, "--password-stdin"},
                   password + "\n");
        if (r.status != 0) throw std::runtime_error("login failed: " + r.err);
    }
    std::vector<std::string> env() const {
        return {"XDG_STATE_HOME=" + home_.path() + "/state",
                "XDG_CONFIG_HOME=" + home_.path() + "/config"};
    }
    RunResult mqchat(std::vector<std::string> args, const std::string& input = "") const {
        args.insert(args.begin(), mqchat_bin());
        return run(args, input, {env(), false});
    }
    std::unique_ptr<Process> start(std::vector<std::string> args, bool pipe_stdin = false) const {
        args.insert(args.begin(), mqchat_bin());
        return std::make_unique<Process>(args, ProcessOptions{env(), pipe_stdin});
    }
    std::string session_file() const { return home_.path() + "/state/mqchat/session.json"; }

  private:
    TempDir home_;
};

}  // namespace testsupport
