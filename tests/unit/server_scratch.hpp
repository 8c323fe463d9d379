// The scratch directory of mqchatd's unit tests (databases, key files): the
// one every test uses, under the name these tests know it by.
#pragma once

#include "support/temp_dir.hpp"

namespace servertest {

using ScratchDir = mqchat::fakes::TempDir;

}  // namespace servertest
