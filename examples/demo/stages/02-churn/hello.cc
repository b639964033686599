#include <cstdio>
#include <cstring>
#include <string>

#include <greetxx.h>

extern "C" {
#include <greet.h>
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--help") == 0) {
    std::puts("usage: hello [NAME]\nGreets NAME (default: world) through libgreet and libgreetxx.");
    return 0;
  }
  std::string name = argc > 1 ? argv[1] : "world";
  char buf[256];
  greet_format(buf, sizeof buf, name.c_str());
  std::puts(buf);
  greetxx::Greeter g(" :)");
  std::puts(g.greet(name).c_str());
  std::printf("libsafe %s, libgreet %s, libgreetxx %s\n", safe_version(), greet_version(), greetxx::version());
  return 0;
}
