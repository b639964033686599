#ifndef GREETXX_H
#define GREETXX_H

#include <string>
#include <vector>

namespace greetxx {

class Greeter {
 public:
  explicit Greeter(std::string punctuation = "!");
  virtual ~Greeter();
  virtual std::string greet(const std::string& name) const;
  // Since 1.1.0.
  std::string greet_all(const std::vector<std::string>& names) const;
  int count() const { return count_; }

 private:
  std::string punctuation_;
  mutable int count_ = 0;
};

const char* version();

}  // namespace greetxx

#endif
