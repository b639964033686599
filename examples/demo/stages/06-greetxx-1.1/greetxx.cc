#include "greetxx.h"

extern "C" {
#include <greet.h>
}

namespace greetxx {

Greeter::Greeter(std::string punctuation) : punctuation_(std::move(punctuation)) {}
Greeter::~Greeter() = default;

std::string Greeter::greet(const std::string& name) const {
  char buf[256];
  greet_format(buf, sizeof buf, name.c_str());
  ++count_;
  std::string s(buf);
  if (!s.empty() && s.back() == '!') s.pop_back();
  return s + punctuation_;
}

std::string Greeter::greet_all(const std::vector<std::string>& names) const {
  std::string out;
  for (const auto& n : names) out += greet(n) + "\n";
  return out;
}

const char* version() { return "1.1.0"; }

}  // namespace greetxx
