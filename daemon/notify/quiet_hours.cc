#include "notify/quiet_hours.h"

#include <cmath>

namespace larder::notify {

int QuietHours::local_minute(double unix_ts) const {
  double local = zone_.to_local(unix_ts);
  double day_s = local - 86400.0 * std::floor(local / 86400.0);  // [0, 86400), also before 1970
  int m = static_cast<int>(day_s / 60.0);
  return m < 0 ? 0 : (m > 1439 ? 1439 : m);
}

bool QuietHours::quiet_at(double unix_ts) const {
  int m = local_minute(unix_ts);
  if (from_ < to_) return m >= from_ && m < to_;
  return m >= from_ || m < to_;  // across midnight
}

}  // namespace larder::notify
