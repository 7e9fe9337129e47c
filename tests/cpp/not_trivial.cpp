// Must NOT compile: shmpc::ring<T> refuses a T that is not trivially copyable (mk/tests.mk checks
// that the compiler stops at the static_assert's message).
#include "../../shmpc.hpp"
#include <string>
int main() {
    shmpc::ring<std::string> q;
    return q ? 0 : 1;
}
