#include "api_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <exception>
#include <filesystem>
#include <fstream>
#include <type_traits>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace larderctl {

namespace api_impl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::uint64_t kMaxAnswer = 16 * 1024 * 1024;  // far more than any list it reads

enum class Stage { connect, handshake, write, read };

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// The peer certificate must name the address we connected to; at a loopback address a
// certificate for "localhost" will do, since that is the name of the same machine.
bool names_peer(X509* cert, const std::string& host, bool loopback) {
  if (X509_check_ip_asc(cert, host.c_str(), 0) == 1) return true;
  return loopback && X509_check_host(cert, "localhost", 0, 0, nullptr) == 1;
}

template <class Stream>
asio::awaitable<void> exchange(Stream& stream, tcp::endpoint endpoint,
                               bhttp::request<bhttp::string_body>& req,
                               bhttp::response_parser<bhttp::string_body>& parser,
                               Stage& stage) {
  stage = Stage::connect;
  co_await beast::get_lowest_layer(stream).async_connect(endpoint, asio::use_awaitable);
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    stage = Stage::handshake;
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  }
  stage = Stage::write;
  co_await bhttp::async_write(stream, req, asio::use_awaitable);
  stage = Stage::read;
  beast::flat_buffer buffer;
  co_await bhttp::async_read(stream, buffer, parser, asio::use_awaitable);
}

// Runs one exchange on a private io_context; the stream's timer bounds all of it.
template <class Stream>
boost::system::error_code run(Stream& stream, asio::io_context& ioc, tcp::endpoint endpoint,
                              bhttp::request<bhttp::string_body>& req,
                              bhttp::response_parser<bhttp::string_body>& parser, Stage& stage,
                              std::string& other) {
  boost::system::error_code ec;
  asio::co_spawn(ioc, exchange(stream, endpoint, req, parser, stage),
                 [&](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const boost::system::system_error& se) {
                     ec = se.code();
                   } catch (const std::exception& x) {
                     other = x.what();
                   }
                 });
  ioc.run();
  if (ec || !other.empty()) {
    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
  }
  return ec;
}

}  // namespace api_impl

larder::Status check_ca_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (fs::is_directory(st)) return larder::Status::Error("the CA file " + path + " is a directory");
  if (!fs::exists(st)) {
    return larder::Status::Error("cannot read the CA file " + path + ": it does not exist");
  }
  if (ec || !fs::is_regular_file(st) || !std::ifstream(path)) {
    return larder::Status::Error("cannot read the CA file " + path +
                                 (fs::is_regular_file(st) ? "" : " (not a regular file)"));
  }
  // As the request will load it: OpenSSL refuses a file without a PEM certificate or CRL
  // in it, and a file of CRLs alone verifies nothing.
  api_impl::asio::ssl::context ctx(api_impl::asio::ssl::context::tls_client);
  boost::system::error_code ca_ec;
  ctx.load_verify_file(path, ca_ec);
  bool certificate = false;
  if (!ca_ec) {
    const auto* objects = X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx.native_handle()));
    for (int i = 0; i < sk_X509_OBJECT_num(objects) && !certificate; ++i) {
      certificate = X509_OBJECT_get_type(sk_X509_OBJECT_value(objects, i)) == X509_LU_X509;
    }
  }
  if (!certificate) {
    return larder::Status::Error("the CA file " + path + " holds no PEM certificate" +
                                 (ca_ec ? " (" + ca_ec.message() + ")" : std::string()));
  }
  return larder::Status::Ok();
}

std::string ApiTarget::url() const {
  return std::string(tls ? "https://" : "http://") + api_impl::bracketed(host) + ":" +
         std::to_string(port);
}

ApiTarget api_target(const larder::HttpConfig& http) {
  ApiTarget t;
  // A wildcard listens on every address, loopback among them.
  t.host = http.host == "0.0.0.0" ? "127.0.0.1" : http.host == "::" ? "::1" : http.host;
  t.port = http.port;
  t.tls = http.tls.has_value();
  return t;
}

std::string ApiReply::error_message() const {
  const std::string what = "HTTP " + std::to_string(status);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const auto& e = body["error"];
    std::string message = e.contains("message") && e["message"].is_string()
                              ? e["message"].get<std::string>()
                              : std::string();
    std::string code = e.contains("code") && e["code"].is_string() ? e["code"].get<std::string>()
                                                                   : std::string();
    if (!message.empty()) return message + " (" + what + (code.empty() ? "" : " " + code) + ")";
  }
  return what + (text.empty() ? "" : ": " + text.substr(0, 200));
}

ApiClient::ApiClient(ApiTarget target, std::chrono::milliseconds timeout)
    : target_(std::move(target)), timeout_(timeout) {}

larder::Result<ApiReply> ApiClient::get(const std::string& path) {
  return request("GET", path, "");
}

larder::Result<ApiReply> ApiClient::post(const std::string& path, const nlohmann::json& body) {
  return request("POST", path, body.dump());
}

larder::Result<ApiReply> ApiClient::put(const std::string& path, const nlohmann::json& body) {
  return request("PUT", path, body.dump());
}

larder::Result<ApiReply> ApiClient::del(const std::string& path) {
  return request("DELETE", path, "");
}

larder::Result<ApiReply> ApiClient::request(const std::string& method, const std::string& path,
                                            const std::string& body) {
  using namespace api_impl;
  const std::string where = "larderd at " + target_.url();
  boost::system::error_code addr_ec;
  const auto address = asio::ip::make_address(target_.host, addr_ec);
  if (addr_ec) {
    return larder::Status::Error("the address '" + target_.host +
                                 "' of http.listen is not an IP address");
  }
  const tcp::endpoint endpoint(address, target_.port);

  bhttp::request<bhttp::string_body> req;
  req.method(bhttp::string_to_verb(method));
  req.target(path);
  req.version(11);
  req.set(bhttp::field::host, bracketed(target_.host) + ":" + std::to_string(target_.port));
  req.set(bhttp::field::user_agent, std::string("larderctl/") + LARDER_VERSION);
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::connection, "close");
  if (!target_.token.empty()) req.set(bhttp::field::authorization, "Bearer " + target_.token);
  if (method != "GET") {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxAnswer);

  asio::io_context ioc;
  Stage stage = Stage::connect;
  std::string other;
  boost::system::error_code ec;
  std::string tls_reason;  // why the certificate was refused, from OpenSSL
  if (target_.tls) {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                    asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ca_ec;
    if (target_.ca_file.empty()) {
      ctx.set_default_verify_paths(ca_ec);
    } else {
      ctx.load_verify_file(target_.ca_file, ca_ec);
    }
    if (ca_ec) {
      return larder::Status::Error("cannot load the trusted certificates" +
                                   (target_.ca_file.empty() ? std::string()
                                                            : " from " + target_.ca_file) +
                                   ": " + ca_ec.message());
    }
    TlsStream stream(ioc, ctx);
    const bool loopback = address.is_loopback();
    const std::string host = target_.host;
    stream.set_verify_mode(asio::ssl::verify_peer);
    stream.set_verify_callback([host, loopback](bool preverified, asio::ssl::verify_context& vc) {
      X509_STORE_CTX* store = vc.native_handle();
      if (!preverified || X509_STORE_CTX_get_error_depth(store) != 0) return preverified;
      if (names_peer(X509_STORE_CTX_get_current_cert(store), host, loopback)) return true;
      X509_STORE_CTX_set_error(store, X509_V_ERR_IP_ADDRESS_MISMATCH);
      return false;
    });
    beast::get_lowest_layer(stream).expires_after(timeout_);
    ec = run(stream, ioc, endpoint, req, parser, stage, other);
    if (stage == Stage::handshake && (ec || !other.empty())) {
      long verify = SSL_get_verify_result(stream.native_handle());
      if (verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        tls_reason = "its certificate does not name " + host +
                     (loopback ? " (nor localhost)" : "");
      } else if (verify != X509_V_OK) {
        tls_reason = std::string("its certificate is not trusted: ") +
                     X509_verify_cert_error_string(verify);
      }
    }
  } else {
    PlainStream stream(ioc);
    stream.expires_after(timeout_);
    ec = run(stream, ioc, endpoint, req, parser, stage, other);
  }

  const std::string seconds = std::to_string(timeout_.count() / 1000) + " s";
  if (ec == beast::error::timeout) {
    return larder::Status::Error("no answer from " + where + " within " + seconds +
                                 "; is larderd running?");
  }
  if (ec || !other.empty()) {
    const std::string why = ec ? ec.message() : other;
    switch (stage) {
      case Stage::connect:
        return larder::Status::Error("cannot connect to " + where + " (" + why +
                                     "); is larderd running?");
      case Stage::handshake:
        return larder::Status::Error(
            "the TLS handshake with " + where + " failed: " +
            (tls_reason.empty() ? why : tls_reason) +
            (target_.ca_file.empty() ? " (give the CA of its certificate with --ca FILE)" : ""));
      case Stage::write:
      case Stage::read:
        if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset) {
          return larder::Status::Error(where + " closed the connection without an answer (" +
                                       why + "); does http.tls match what larderd serves?");
        }
        return larder::Status::Error("talking to " + where + " failed: " + why);
    }
  }

  ApiReply reply;
  auto res = parser.release();
  reply.status = static_cast<int>(res.result_int());
  reply.text = std::move(res.body());
  if (!reply.text.empty()) {
    reply.body = nlohmann::json::parse(reply.text, nullptr, /*allow_exceptions=*/false);
    if (reply.body.is_discarded()) reply.body = nullptr;
  }
  return reply;
}

}  // namespace larderctl
