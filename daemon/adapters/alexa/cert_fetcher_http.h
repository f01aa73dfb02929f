// The daemon's CertFetcher: GETs the Alexa signing certificate chain over HTTP(S) with the
// retailer adapters' cpprestsdk plumbing (adapters/retailer/retailer_http.h), so that
// cpprestsdk stays in its one file. HTTPS servers are checked against the system's CA
// certificates; no redirect is followed. One client per scheme://host[:port], kept in a
// small map (a client with a request under way is never dropped).
//
// Only a 200 answer with a body under 64 KiB counts; anything else (no answer, a timeout,
// another status, a longer body) is an error naming the URL and the reason. Every answer
// comes through `post` (the event loop), never inside fetch(). When the fetcher is
// destroyed, answers still to come are dropped.
// Thread rule: construct, fetch and destroy on the event-loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "adapters/alexa/alexa_verifier.h"
#include "adapters/retailer/retailer_factory.h"
#include "larder/status.h"

namespace larder::retailer {
class HttpClient;
}

namespace larder::alexa {

inline constexpr std::size_t kMaxCertChainBytes = std::size_t{64} * 1024;

class HttpCertFetcher : public CertFetcher {
 public:
  // `post`: the event loop; `timeout_s`: per request (connect, send, each read).
  HttpCertFetcher(Post post, double timeout_s);
  ~HttpCertFetcher() override;
  HttpCertFetcher(const HttpCertFetcher&) = delete;
  HttpCertFetcher& operator=(const HttpCertFetcher&) = delete;

  // `url`: http(s)://host[:port]/path (the verifier passes only URLs rule 1 accepted).
  void fetch(const std::string& url, std::function<void(Result<std::string>)> done) override;

 private:
  struct Client {
    std::shared_ptr<retailer::HttpClient> http;
    int in_flight = 0;
    std::uint64_t used = 0;
  };
  // The client for `base`, made if need be; nullptr with `error` set when there is none.
  Client* client_for(const std::string& base, std::string& error);

  Post post_;
  double timeout_s_;
  std::map<std::string, Client> clients_;  // by scheme://host[:port]
  std::uint64_t clock_ = 0;
  std::shared_ptr<bool> alive_;            // the answers hold it weakly
};

}  // namespace larder::alexa
