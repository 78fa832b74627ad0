package io.parley.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Builds the one Jackson configuration every process uses: absent values are left out, unknown fields ignored. */
public final class Json {
    private Json() {}

    public static ObjectMapper newMapper() {
        ObjectMapper mapper = JsonMapper.builder()
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                // One JSON value per frame or body: trailing data or a second object is bad_request, not ignored.
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        // Frames are at most 16 KiB, so deep nesting can only be an attack.
        mapper.getFactory()
                .setStreamReadConstraints(
                        StreamReadConstraints.builder().maxNestingDepth(32).build());
        return mapper;
    }
}
