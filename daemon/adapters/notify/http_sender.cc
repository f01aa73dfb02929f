#include "adapters/notify/http_sender.h"

#include <string>
#include <utility>

#include "adapters/crypto/signature.h"
#include "adapters/retailer/retailer_http.h"

namespace larder {
namespace {

struct Endpoint {
  std::shared_ptr<retailer::HttpClient> client;
  std::string path;  // the URL's path, sent on the client of its scheme, host and port
  retailer::Headers headers;
};

// "https://host:8080/a/b" -> base "https://host:8080", path "/a/b".
std::pair<std::string, std::string> split(const std::string& url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

Result<Endpoint> endpoint(const std::string& url, const Post& post, double timeout_s,
                          retailer::Headers headers) {
  auto [base, path] = split(url);
  RetailerOptions options;
  options.timeout_s = timeout_s;
  auto client = retailer::HttpClient::make(base, post, options, std::move(headers));
  if (!client.ok()) return client.status();
  return Endpoint{std::move(client).value(), path, {}};
}

}  // namespace

struct NotifyHttpSender::Impl {
  std::optional<Endpoint> ntfy, webhook;
  std::optional<std::string> webhook_secret;
};

NotifyHttpSender::NotifyHttpSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

NotifyHttpSender::~NotifyHttpSender() { close(); }

void NotifyHttpSender::close() {
  if (impl_->ntfy) impl_->ntfy->client->close();
  if (impl_->webhook) impl_->webhook->client->close();
}

Result<std::unique_ptr<NotifyHttpSender>> NotifyHttpSender::make(const NotifyConfig& config,
                                                                 const Post& post) {
  auto impl = std::make_unique<Impl>();
  if (config.ntfy) {
    retailer::Headers headers;
    if (config.ntfy->token) headers.emplace_back("Authorization", "Bearer " + *config.ntfy->token);
    auto e = endpoint(config.ntfy->url, post, config.timeout_s, std::move(headers));
    if (!e.ok()) return Status::Error("notify.ntfy: " + e.status().message());
    impl->ntfy = std::move(e).value();
  }
  if (config.webhook) {
    auto e = endpoint(config.webhook->url, post, config.timeout_s, {});
    if (!e.ok()) return Status::Error("notify.webhook: " + e.status().message());
    impl->webhook = std::move(e).value();
    impl->webhook_secret = config.webhook->secret;
  }
  return std::unique_ptr<NotifyHttpSender>(new NotifyHttpSender(std::move(impl)));
}

void NotifyHttpSender::send(notify::Channel channel, const notify::Request& request,
                            std::function<void(notify::SendResult)> done) {
  const bool ntfy = channel == notify::Channel::ntfy;
  std::optional<Endpoint>& e = ntfy ? impl_->ntfy : impl_->webhook;
  if (!e) {
    // Not configured: answered later, like any request, never inside send().
    auto post = (impl_->ntfy ? impl_->ntfy : impl_->webhook);
    notify::SendResult r;
    r.error = "the channel is not configured";
    if (post) post->client->post()([done = std::move(done), r] { done(r); });
    return;
  }
  retailer::HttpCall call;
  call.method = "POST";
  call.path = e->path;
  call.body = request.body;
  call.content_type = request.content_type;
  call.headers = request.headers;
  if (!ntfy && impl_->webhook_secret) {
    call.headers.emplace_back("X-Larder-Signature",
                              signature_header(*impl_->webhook_secret, request.body));
  }
  e->client->send(std::move(call), [done = std::move(done)](const retailer::HttpReply& reply) {
    notify::SendResult r;
    r.status = reply.status;
    r.error = reply.error;
    done(r);
  });
}

}  // namespace larder
