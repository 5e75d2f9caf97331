// Internal to api/control/: answering a call from a store reader, so that the loop only hands
// the query over and replies when its result comes back.
#pragma once

#include <functional>
#include <utility>

#include "api/http.h"
#include "api/json_body.h"
#include "common/status.h"
#include "store/store_reader.h"

namespace orch::api {

/// Runs `read` on `reader`; replies with the response it renders, or with its error (or the
/// reader's refusal), on the loop's thread.
/// REQUIRES: `read` touches only the connection it is given and the values it holds.
inline void ReadAndReply(store::StoreReader& reader,
                         std::function<StatusOr<Response>(store::Repositories&)> read,
                         ReplyFn reply) {
  reader.Read<Response>(std::move(read), [reply = std::move(reply)](StatusOr<Response> response) {
    reply(Reply(std::move(response)));
  });
}

}  // namespace orch::api
