#include "api/control/store_health.h"

#include <memory>

#include "store/store_reader.h"
#include "store/store_writer.h"

namespace orch::api {

// Shared with the check in flight, which may land after this object has gone.
struct StoreHealth::Probe {
  // Ok until a check says otherwise.
  Status last;
  bool in_flight = false;
};

StoreHealth::StoreHealth(store::StoreReader& reader, const store::StoreWriter& writer)
    : reader_(reader), writer_(writer), probe_(std::make_shared<Probe>()) {}

StoreHealth::~StoreHealth() = default;

Status StoreHealth::Current() {
  if (!probe_->in_flight) {
    probe_->in_flight = true;
    // The check's outcome travels as a value, so a refused read (the readers busy or
    // stopping), which says nothing of the file, is told apart from a failed check.
    struct Checked {
      Status health;
    };
    reader_.Read<Checked>(
        [](store::Repositories& db) -> StatusOr<Checked> { return Checked{db.CheckHealth()}; },
        [probe = probe_](StatusOr<Checked> checked) {
          probe->in_flight = false;
          if (checked.ok()) probe->last = checked->health;
        });
  }
  Status health = probe_->last;
  if (health.ok()) health = writer_.state().last_commit;
  return health;
}

}  // namespace orch::api
