package dev.redrain.settlement;

import java.util.List;

/** A hook for fault-injection tests, called before the match writes a chunk; production has none. */
interface MatchFaults {
    MatchFaults NONE = chunk -> { };

    void beforeWrite(List<Break> chunk);
}
