// The header holds everything; SwiftPM needs a source file to build a C target.
#include "cepoll.h"
