package io.parley.protocol;

import java.util.regex.Pattern;

/** Validation rules for user input shared by the REST and WebSocket paths; each answers the error it violates, or null. */
public final class Validation {
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.-]{3,32}");
    private static final Pattern ROOM_NAME = Pattern.compile("[a-z0-9_-]{1,48}");

    private Validation() {}

    public static boolean isValidUsername(String username) {
        return username != null && USERNAME.matcher(username).matches();
    }

    /** Case-insensitive identity of a username: uniqueness and login both ignore case. */
    public static String usernameKey(String username) {
        return username.toLowerCase(java.util.Locale.ROOT);
    }

    public static boolean isValidPassword(String password) {
        if (password == null) {
            return false;
        }
        int codePoints = password.codePointCount(0, password.length());
        return codePoints >= 8 && codePoints <= 128;
    }

    public static boolean isValidRoomName(String room) {
        return room != null && ROOM_NAME.matcher(room).matches();
    }

    /** Checks a message body: {@code empty_body}, {@code body_too_long} or null when it may be stored. */
    public static ErrorCode checkBody(String body) {
        int codePoints = body.codePointCount(0, body.length());
        if (codePoints > Limits.MAX_BODY_CODE_POINTS) {
            return ErrorCode.BODY_TOO_LONG;
        }
        return isBlank(body) ? ErrorCode.EMPTY_BODY : null;
    }

    public static boolean isValidClientMsgId(String clientMsgId) {
        if (clientMsgId == null) {
            return true;
        }
        int codePoints = clientMsgId.codePointCount(0, clientMsgId.length());
        return codePoints >= 1 && codePoints <= Limits.MAX_CLIENT_MSG_ID_CODE_POINTS;
    }

    /** True when the text is empty or only Unicode White_Space (which is wider than {@link String#isBlank()}). */
    static boolean isBlank(String text) {
        return text.codePoints().allMatch(Validation::isUnicodeWhiteSpace);
    }

    private static boolean isUnicodeWhiteSpace(int cp) {
        // The White_Space property of Unicode 15 (PropList.txt), which Character.isWhitespace does not match exactly.
        return (cp >= 0x0009 && cp <= 0x000D)
                || cp == 0x0020
                || cp == 0x0085
                || cp == 0x00A0
                || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028
                || cp == 0x2029
                || cp == 0x202F
                || cp == 0x205F
                || cp == 0x3000;
    }
}
