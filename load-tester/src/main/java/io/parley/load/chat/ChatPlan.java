package io.parley.load.chat;

/**
 * Who is where and who sends what, as pure functions of the message number: U users with C connections each,
 * every user a member of K of the R rooms, and message {@code i} sent by one of the S sending connections in turn
 * (each connection cycling through its user's rooms), so every sender sends at {@code rate / S}.
 */
public record ChatPlan(
        int users,
        int connectionsPerUser,
        int rooms,
        int roomsPerUser,
        int senders,
        double rate,
        double durationSeconds,
        int bodyChars,
        String roomPrefix) {
    public ChatPlan {
        check("users", users, 1, 1_000_000);
        check("conns-per-user", connectionsPerUser, 1, 1000);
        check("rooms", rooms, 1, 1_000_000);
        check("rooms-per-user", roomsPerUser, 1, rooms);
        check("senders", senders, 1, users * connectionsPerUser);
        check("body-size", bodyChars, 16, 4000);
        if ((long) users * roomsPerUser < rooms) {
            throw new IllegalArgumentException("rooms: " + rooms + " (expected: <= users x rooms-per-user = "
                    + (long) users * roomsPerUser + ", or some rooms have no member)");
        }
        if (!(rate > 0) || !(durationSeconds > 0)) {
            throw new IllegalArgumentException(
                    "rate and duration: " + rate + "/s for " + durationSeconds + " s (expected: both > 0)");
        }
        if (roomPrefix == null || !roomPrefix.matches("[a-z0-9_-]{1,32}")) {
            throw new IllegalArgumentException("room-prefix: " + roomPrefix + " (expected: 1-32 of a-z0-9_-)");
        }
    }

    private static void check(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + "-" + max + ")");
        }
    }

    public int connections() {
        return users * connectionsPerUser;
    }

    public long totalMessages() {
        return Math.round(rate * durationSeconds);
    }

    public double ratePerSender() {
        return rate / senders;
    }

    public int userOf(int connection) {
        return connection / connectionsPerUser;
    }

    /** The k-th room of user u. */
    public int roomOf(int user, int k) {
        return (int) (((long) user * roomsPerUser + k) % rooms);
    }

    public String roomName(int room) {
        return roomPrefix + "-" + room;
    }

    /** How many users are members of each room. */
    public int[] membersPerRoom() {
        int[] members = new int[rooms];
        for (int u = 0; u < users; u++) {
            for (int k = 0; k < roomsPerUser; k++) {
                members[roomOf(u, k)]++;
            }
        }
        return members;
    }

    /** Connections subscribed to each room: every connection of every member. */
    public int[] subscribersPerRoom() {
        int[] subscribers = membersPerRoom();
        for (int r = 0; r < rooms; r++) {
            subscribers[r] *= connectionsPerUser;
        }
        return subscribers;
    }

    /** The connection that sends message i: senders take turns, spread evenly over all connections. */
    public int senderOf(long i) {
        int s = (int) (i % senders);
        return (int) ((long) s * connections() / senders);
    }

    /** The room message i goes to: the sender's rooms in turn. */
    public int roomOfMessage(long i) {
        int k = (int) ((i / senders) % roomsPerUser);
        return roomOf(userOf(senderOf(i)), k);
    }
}
