// C++ workload for the report agreement tests: namespaced methods, a
// template, a lambda and libstdc++ streams (thunks, PLT entries), so the
// demangled names perf shows are exercised. usage: cxx_hot [ROUNDS]
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <vector>

namespace work {
struct Spinner {
	static volatile unsigned long sink;
	__attribute__((noinline)) void run(int n)
	{
		for (int i = 0; i < n * 20000; i++)
			sink = sink * 7 + i;
	}
};
volatile unsigned long Spinner::sink;
} // namespace work

template <typename T> __attribute__((noinline)) T twice(T x)
{
	work::Spinner s;
	s.run(static_cast<int>(x));
	return x * 2;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 3000;
	std::vector<long> v;
	unsigned long text = 0;
	auto spin = [](int a) { work::Spinner s; s.run(a); return a; };

	for (int i = 0; i < rounds; i++) {
		std::ostringstream o;

		v.push_back(twice<long>(i % 5 + 1));
		spin(3);
		o << i;
		text += o.str().size();
	}
	std::cout << v.size() + text << "\n";
	return 0;
}
