#include "cli/control_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/version.h"

namespace orch::cli {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Socket = asio::local::stream_protocol::socket;

// Largest answer read whole: the biggest list page with room to spare.
constexpr uint64_t kMaxAnswerBytes = 256ull << 20;

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

Status Unreachable(const std::string& path, const boost::system::error_code& error) {
  std::string reason = error.message();
  if (error == boost::system::errc::no_such_file_or_directory) {
    reason = "no such socket (is orchd running? --socket or ORCHD_SOCKET names another)";
  } else if (error == boost::system::errc::connection_refused) {
    reason = "connection refused (the socket is there but nothing serves it)";
  } else if (error == boost::system::errc::permission_denied) {
    reason = "permission denied (the socket is for root and the control group)";
  }
  return UnavailableError("cannot reach orchd at " + path + ": " + reason);
}

StatusOr<Socket> Connect(asio::io_context& io, const std::string& path) {
  Socket socket(io);
  boost::system::error_code error;
  socket.connect(asio::local::stream_protocol::endpoint(path), error);
  if (error) return Unreachable(path, error);
  return socket;
}

http::request<http::string_body> MakeRequest(std::string_view method, std::string_view target,
                                             std::string_view body) {
  http::request<http::string_body> request(
      http::string_to_verb(boost::beast::string_view(method.data(), method.size())),
      boost::beast::string_view(target.data(), target.size()), 11);
  request.set(http::field::host, "localhost");
  request.set(http::field::user_agent, "orchctl/" + std::string(kVersion));
  if (!body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::string(body);
  }
  request.prepare_payload();
  return request;
}

Status Broken(const std::string& path, const boost::system::error_code& error) {
  return InternalError("orchd at " + path + " broke off the answer: " + error.message());
}

}  // namespace

StatusOr<HttpAnswer> ControlClient::Call(std::string_view method, std::string_view target,
                                         std::string_view body) const {
  asio::io_context io;
  ORCH_ASSIGN_OR_RETURN(Socket socket, Connect(io, socket_path_));
  boost::system::error_code error;
  http::write(socket, MakeRequest(method, target, body), error);
  if (error) return Broken(socket_path_, error);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  http::read(socket, buffer, parser, error);
  if (error) return Broken(socket_path_, error);
  http::response<http::string_body> response = parser.release();
  HttpAnswer answer;
  answer.status = static_cast<int>(response.result_int());
  for (const auto& field : response) {
    answer.headers[Lowercase(std::string(field.name_string()))] = std::string(field.value());
  }
  answer.body = std::move(response.body());
  return answer;
}

Status ControlClient::Stream(std::string_view target, const std::function<void(int)>& on_head,
                             const std::function<bool(std::string_view)>& on_data,
                             std::string* error_body) const {
  asio::io_context io;
  ORCH_ASSIGN_OR_RETURN(Socket socket, Connect(io, socket_path_));
  boost::system::error_code error;
  http::write(socket, MakeRequest("GET", target, ""), error);
  if (error) return Broken(socket_path_, error);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(socket, buffer, parser, error);
  if (error) return Broken(socket_path_, error);
  const int status = static_cast<int>(parser.get().result_int());
  on_head(status);
  char chunk[16384];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    // read_some returns with whatever arrived: a follow prints each line as it comes.
    http::read_some(socket, buffer, parser, error);
    if (error == http::error::need_buffer) error = {};
    if (error == http::error::end_of_stream || error == asio::error::eof) return Status::Ok();
    if (error) return Broken(socket_path_, error);
    const std::string_view data(chunk, sizeof(chunk) - parser.get().body().size);
    if (status != 200) {
      if (error_body != nullptr) error_body->append(data);
      continue;
    }
    if (!data.empty() && !on_data(data)) return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace orch::cli
