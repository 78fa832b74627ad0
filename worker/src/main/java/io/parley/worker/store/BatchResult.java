package io.parley.worker.store;

import java.util.List;

/**
 * What storing one batch did.
 *
 * @param toPublish  messages to publish, in seq order within each room: the ones just stored and the ones found
 *                   already stored under the same id (a dead worker may have committed them without publishing)
 * @param stored     messages inserted by this batch
 * @param duplicates envelopes not inserted because their id or their sender + clientMsgId was already taken
 * @param dropped    envelopes dropped because their room does not exist
 */
public record BatchResult(List<StoredMessage> toPublish, int stored, int duplicates, int dropped) {
    public BatchResult {
        toPublish = List.copyOf(toPublish);
    }
}
