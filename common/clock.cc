#include "common/clock.h"

namespace orch {

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace orch
