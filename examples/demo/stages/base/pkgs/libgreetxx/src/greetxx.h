#ifndef GREETXX_H
#define GREETXX_H

#include <string>

namespace greetxx {

class Greeter {
 public:
  explicit Greeter(std::string punctuation = "!");
  virtual ~Greeter();
  virtual std::string greet(const std::string& name) const;
  int count() const { return count_; }

 private:
  std::string punctuation_;
  mutable int count_ = 0;
};

const char* version();

}  // namespace greetxx

#endif
