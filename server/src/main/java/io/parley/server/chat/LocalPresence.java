package io.parley.server.chat;

import io.parley.protocol.FrameCodec;
import io.parley.protocol.RedisKeys;
import io.parley.protocol.ServerFrame;
import io.parley.protocol.User;
import io.parley.server.auth.Principal;
import io.parley.server.bus.Publisher;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is online when this process is the only replica (standalone mode): a user is online while it holds one of
 * their connections. Arrivals and departures are announced to the user's rooms as the Redis presence does.
 */
public final class LocalPresence implements Presence {
    private final Set<String> online = ConcurrentHashMap.newKeySet();
    private final Publisher events;
    private final RedisKeys keys;
    private final FrameCodec codec;

    public LocalPresence(Publisher events, RedisKeys keys, FrameCodec codec) {
        this.events = Objects.requireNonNull(events, "events");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    @Override
    public void start() {
        // Nothing to heartbeat: nobody else could hold this process's users.
    }

    @Override
    public void arrived(Principal user, Set<String> userRooms) {
        if (online.add(user.id())) {
            announce(user.username(), Set.copyOf(userRooms), true);
        }
    }

    @Override
    public void departed(Principal user, Set<String> userRooms) {
        if (online.remove(user.id())) {
            announce(user.username(), Set.copyOf(userRooms), false);
        }
    }

    @Override
    public List<String> online(List<User> members) {
        return members.stream()
                .filter(m -> online.contains(m.id()))
                .map(User::username)
                .sorted()
                .toList();
    }

    private void announce(String username, Set<String> userRooms, boolean isOnline) {
        for (String room : userRooms) {
            events.publish(
                    keys.roomChannel(room), codec.encode(new ServerFrame.PresenceChange(room, username, isOnline)));
        }
    }

    @Override
    public void close() {
        online.clear();
    }
}
