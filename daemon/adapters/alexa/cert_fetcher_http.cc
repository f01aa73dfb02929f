#include "adapters/alexa/cert_fetcher_http.h"

#include <utility>

#include "adapters/retailer/retailer_http.h"

namespace larder::alexa {
namespace {

// Hosts at once: in practice one (s3.amazonaws.com); the bound keeps a stream of odd URLs
// from piling up clients.
constexpr std::size_t kMaxClients = 4;

}  // namespace

HttpCertFetcher::HttpCertFetcher(Post post, double timeout_s)
    : post_(std::move(post)), timeout_s_(timeout_s), alive_(std::make_shared<bool>(true)) {}

HttpCertFetcher::~HttpCertFetcher() {
  // Each client's destructor closes it: nothing more reaches the loop from it.
  clients_.clear();
}

HttpCertFetcher::Client* HttpCertFetcher::client_for(const std::string& base,
                                                     std::string& error) {
  if (auto it = clients_.find(base); it != clients_.end()) return &it->second;
  if (clients_.size() >= kMaxClients) {
    auto idle = clients_.end();
    for (auto it = clients_.begin(); it != clients_.end(); ++it) {
      bool older = idle == clients_.end() || it->second.used < idle->second.used;
      if (it->second.in_flight == 0 && older) idle = it;
    }
    if (idle == clients_.end()) {
      error = "requests to " + std::to_string(kMaxClients) + " other hosts are under way";
      return nullptr;
    }
    clients_.erase(idle);
  }
  RetailerOptions options;
  options.timeout_s = timeout_s_;
  auto made = retailer::HttpClient::make(base, post_, options, {});
  if (!made.ok()) {
    error = made.status().message();
    if (error.rfind("retailer: ", 0) == 0) error.erase(0, 10);  // its prefix, not ours
    return nullptr;
  }
  return &(clients_[base] = Client{std::move(*made), 0, 0});
}

void HttpCertFetcher::fetch(const std::string& url,
                            std::function<void(Result<std::string>)> done) {
  auto fail = [&](const std::string& why) {
    // Answered through the loop, as a fetch that went out would be.
    if (!post_) return done(Status::Error("cannot fetch " + url + ": no event loop"));
    post_([done = std::move(done), message = "cannot fetch " + url + ": " + why] {
      done(Status::Error(message));
    });
  };
  auto sep = url.find("://");
  if (sep == std::string::npos) return fail("not an absolute URL");
  auto path_at = url.find('/', sep + 3);
  std::string base = url.substr(0, path_at);
  std::string path = path_at == std::string::npos ? "/" : url.substr(path_at);
  std::string error;
  Client* client = client_for(base, error);
  if (client == nullptr) return fail(error);
  ++client->in_flight;
  client->used = ++clock_;
  retailer::HttpCall call;
  call.method = "GET";
  call.path = path;
  std::weak_ptr<bool> alive = alive_;
  client->http->send(std::move(call), [this, alive, base, url, done = std::move(done)](
                                          retailer::HttpReply reply) {
    if (!alive.lock()) return;  // the fetcher is gone
    if (auto it = clients_.find(base); it != clients_.end()) --it->second.in_flight;
    if (reply.status == 200 && !reply.too_large && reply.body.size() < kMaxCertChainBytes) {
      return done(std::move(reply.body));
    }
    std::string why = reply.status == 200 ? "the answer is 64 KiB or longer"
                                          : retailer::describe(reply);
    done(Status::Error("cannot fetch " + url + ": " + why));
  });
}

}  // namespace larder::alexa
