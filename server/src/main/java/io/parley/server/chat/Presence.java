package io.parley.server.chat;

import io.parley.protocol.User;
import io.parley.server.auth.Principal;
import java.util.List;
import java.util.Set;

/** Who is online: across replicas in Redis ({@link PresenceService}), or in this process alone. */
public interface Presence extends AutoCloseable {
    void start();

    /** The user's first connection on this replica opened. */
    void arrived(Principal user, Set<String> userRooms);

    /** The user's last connection on this replica closed. */
    void departed(Principal user, Set<String> userRooms);

    /** The usernames among {@code members} that are online, sorted. Blocking. */
    List<String> online(List<User> members);

    @Override
    void close();
}
