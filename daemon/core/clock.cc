#include "larder/clock.h"

#include <chrono>

namespace larder {

double SystemClock::now() const {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace larder
