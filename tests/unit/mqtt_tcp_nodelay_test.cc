// TCP_NODELAY for Paho's broker connection (adapters/mqtt/tcp_nodelay.h).
#include "adapters/mqtt/tcp_nodelay.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

int nodelay(int fd) {
  int v = -1;
  socklen_t len = sizeof v;
  REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0);
  return v;
}

}  // namespace

TEST_CASE("mqtt_url_port reads the broker's port from the URL") {
  CHECK(larder::mqtt_url_port("tcp://127.0.0.1:1883") == 1883);
  CHECK(larder::mqtt_url_port("ssl://broker.lan:8883") == 8883);
  CHECK(larder::mqtt_url_port("mqtt://[::1]:1884") == 1884);
  CHECK(larder::mqtt_url_port("tcp://127.0.0.1") == 0);
  CHECK(larder::mqtt_url_port("tcp://127.0.0.1:") == 0);
  CHECK(larder::mqtt_url_port("tcp://127.0.0.1:99999") == 0);
  CHECK(larder::mqtt_url_port("ws://127.0.0.1:9001/mqtt") == 0);
  CHECK(larder::mqtt_url_port("") == 0);
}

TEST_CASE("set_tcp_nodelay_to_port sets TCP_NODELAY on the connection to that port only") {
  const int server = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(server >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(server, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const int port = ntohs(addr.sin_port);
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(client >= 0);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const int accepted = ::accept(server, nullptr, nullptr);
  REQUIRE(accepted >= 0);
  CHECK(nodelay(client) == 0);
  CHECK(larder::set_tcp_nodelay_to_port(port) == 1);  // the client's peer is the port
  CHECK(nodelay(client) != 0);
  CHECK(nodelay(accepted) == 0);  // its peer is the client's ephemeral port
  CHECK(larder::set_tcp_nodelay_to_port(0) == 0);
  ::close(accepted);
  ::close(client);
  ::close(server);
}
