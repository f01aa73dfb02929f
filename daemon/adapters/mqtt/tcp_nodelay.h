// TCP_NODELAY for Paho's broker connection.
//
// Paho C never sets TCP_NODELAY and gives no access to its socket. With Nagle on, a state
// published right after the PUBACK of the reading that caused it waits until the broker
// ACKs that PUBACK, which the broker delays (Linux delayed ACK, ~40 ms): the reading to
// state latency was ~44 ms. The MQTT adapter calls this after each connect.
// Thread rule: any thread; only system calls on the process's own descriptors.
#pragma once

#include <string>

namespace larder {

// The broker's TCP port in a tcp://, mqtt://, ssl:// or mqtts:// URL; 0 when there is none
// (or for ws:// and wss://).
int mqtt_url_port(const std::string& url);

// Sets TCP_NODELAY on every TCP socket of this process whose peer port is `port` (the
// broker connection; at worst another socket to that port too, which is harmless).
// Returns how many were set.
int set_tcp_nodelay_to_port(int port);

}  // namespace larder
