#include "car_sim.h"

#include <cmath>
#include <utility>

#include "json_check.h"
#include "larder/log.h"
#include "sim_util.h"

namespace larder::sandbox {

namespace {

bool valid_vehicle_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
    if (!ok) return false;
  }
  return true;
}

bool valid_prefix(const std::string& p) {
  if (p.empty() || p.size() > 128 || p.front() == '/' || p.back() == '/') return false;
  if (p.find("//") != std::string::npos) return false;
  for (unsigned char c : p) {
    if (c < 0x20 || c == 0x7f || c == '+' || c == '#') return false;
  }
  return true;
}

bool on_globe(double lat, double lon) {
  return std::isfinite(lat) && std::isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 &&
         lon <= 180;
}

}  // namespace

const char* trunk_name(CarSim::Trunk state) {
  switch (state) {
    case CarSim::Trunk::locked:
      return "locked";
    case CarSim::Trunk::closed:
      return "closed";
    case CarSim::Trunk::open:
      return "open";
  }
  return "locked";
}

Status check_car_options(const CarOptions& o) {
  if (!valid_prefix(o.prefix)) {
    return Status::Error(
        "the MQTT prefix must be 1-128 characters without '+', '#', control characters, "
        "empty levels or a '/' at either end");
  }
  if (!valid_vehicle_id(o.vehicle)) {
    return Status::Error("the vehicle id must match [a-z0-9][a-z0-9_-]{0,63}");
  }
  if (!on_globe(o.lat, o.lon)) {
    return Status::Error("the car's position needs lat from -90 to 90 and lon from -180 to 180");
  }
  if (!(std::isfinite(o.autolock_after) && o.autolock_after >= 0 && o.autolock_after <= 86400)) {
    return Status::Error("the autolock delay must be from 0 to a day");
  }
  if (!(std::isfinite(o.report_every) && o.report_every >= 1 && o.report_every <= 86400)) {
    return Status::Error("the location report interval must be from 1 second to a day");
  }
  return Status::Ok();
}

CarSim::CarSim(const Clock& clock, Bus& bus, CarOptions options)
    : clock_(clock), bus_(bus), options_(std::move(options)), lat_(options_.lat), lon_(options_.lon) {}

std::string CarSim::topic(const char* leaf) const {
  return options_.prefix + "/v1/vehicle/" + options_.vehicle + "/" + leaf;
}

void CarSim::start() {
  if (started_) return;
  started_ = true;
  publish_location();
  set_trunk(Trunk::locked);
}

void CarSim::publish_location() {
  double now = clock_.now();
  nlohmann::json j = {{"lat", lat_}, {"lon", lon_}, {"acc", 10}, {"moving", moving_},
                      {"ts", stamp(now)}};
  bus_.publish(topic("location"), j.dump(), true, 1);
  next_report_ = now + options_.report_every;
}

void CarSim::set_trunk(Trunk state) {
  trunk_ = state;
  nlohmann::json j = {{"state", trunk_name(state)}, {"ts", stamp(clock_.now())}};
  bus_.publish(topic("trunk"), j.dump(), true, 1);
  log_info(std::string("car ") + options_.vehicle + ": trunk " + trunk_name(state));
}

void CarSim::tick() {
  if (!started_) return;
  double now = clock_.now();
  if (lock_at_ && now >= *lock_at_) {
    lock_at_.reset();
    if (trunk_ == Trunk::closed) {
      ++autolocks_;
      set_trunk(Trunk::locked);
    }
  }
  if (now >= next_report_) publish_location();
}

std::optional<double> CarSim::next_change() const {
  if (!started_) return std::nullopt;
  double next = next_report_;
  if (lock_at_ && *lock_at_ < next) next = *lock_at_;
  return next;
}

void CarSim::refuse(const std::string& why) {
  ++refused_;
  log_warn("car " + options_.vehicle + ": command ignored: " + why);
}

void CarSim::on_command(const std::string& payload, bool retained) {
  if (retained) return refuse("a retained command is a stale one");
  auto j = nlohmann::json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return refuse("the payload is not a JSON object");
  auto command = j.find("command");
  if (command == j.end() || !command->is_string()) return refuse("no \"command\" string");
  if (j.contains("ts") && !j["ts"].is_number()) return refuse("\"ts\" is not a number");
  const std::string& name = command->get_ref<const std::string&>();
  if (name == "unlock_trunk") {
    Status err;
    auto grant = string_at(j, "grant", "unlock_trunk", 256, err);
    if (!grant) return refuse(err.message());  // no grant id, or not one
    if (trunk_ != Trunk::locked) {
      log_info("car " + options_.vehicle + ": unlock_trunk for grant " + *grant +
               ", but the trunk is already unlocked");
      return;
    }
    ++unlocks_;
    last_grant_ = *grant;
    trunk_ = Trunk::closed;  // unlocked; the hub hears of it when the carrier opens it
    lock_at_.reset();
    log_info("car " + options_.vehicle + ": trunk unlocked for grant " + *grant);
    return;
  }
  if (name == "lock") {
    if (trunk_ == Trunk::open) return refuse("lock: the trunk is open");
    ++locks_;
    lock_at_.reset();
    set_trunk(Trunk::locked);  // again "locked" when it was: the hub's answer either way
    return;
  }
  refuse("unknown command \"" + name.substr(0, 64) + "\"");
}

bool CarSim::open_trunk() {
  if (trunk_ != Trunk::closed) return false;
  ++opens_;
  set_trunk(Trunk::open);
  return true;
}

bool CarSim::close_trunk() {
  if (trunk_ != Trunk::open) return false;
  set_trunk(Trunk::closed);
  if (options_.autolock) lock_at_ = clock_.now() + options_.autolock_after;
  return true;
}

SimReply CarSim::move(const nlohmann::json& body) {
  Status err = check_object(body, {"lat", "lon", "moving"}, "the car's position");
  std::optional<double> lat, lon;
  if (err) lat = number_at(body, "lat", "the car's position", err);
  if (lat) lon = number_at(body, "lon", "the car's position", err);
  if (!lat || !lon) return error_reply(400, "bad_request", err.message());
  if (!on_globe(*lat, *lon)) {
    return error_reply(400, "bad_request", "lat must be from -90 to 90 and lon from -180 to 180");
  }
  if (body.contains("moving") && !body["moving"].is_boolean()) {
    return error_reply(400, "bad_request", "\"moving\" must be true or false");
  }
  lat_ = *lat;
  lon_ = *lon;
  moving_ = body.value("moving", false);
  if (started_) publish_location();
  return {200, report()};
}

nlohmann::json CarSim::report() const {
  return {{"vehicle", options_.vehicle},
          {"lat", lat_},
          {"lon", lon_},
          {"moving", moving_},
          {"trunk", trunk_name(trunk_)},
          {"unlocked", trunk_ != Trunk::locked},
          {"autolock", options_.autolock},
          {"last_grant", last_grant_.empty() ? nlohmann::json() : nlohmann::json(last_grant_)},
          {"unlocks", unlocks_},
          {"locks", locks_},
          {"autolocks", autolocks_},
          {"opens", opens_},
          {"refused_commands", refused_}};
}

}  // namespace larder::sandbox
