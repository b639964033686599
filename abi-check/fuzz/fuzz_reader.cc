// libFuzzer target for the ELF/DWARF reader: any bytes, read as a library,
// then diffed against itself and dumped. Must never crash, hang or leak.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "abi-check/abi_diff.h"
#include "abi-check/model_json.h"
#include "abi-check/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = memfd_create("ltsabi-fuzz", MFD_CLOEXEC);
  if (fd < 0) return 0;
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  auto model = ltskit::abi::read_library(path);
  if (model.ok()) {
    ltskit::abi::Diff d = ltskit::abi::diff_models(*model, *model, {});
    (void)d;
    auto back = ltskit::abi::model_from_json(ltskit::abi::model_to_json(*model), "fuzz");
    (void)back;
  }
  close(fd);
  return 0;
}
