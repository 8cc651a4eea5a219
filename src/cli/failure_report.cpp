// failure_report.cpp: see failure_report.hpp.
#include "failure_report.hpp"

#include <cstdio>
#include <new>
#include <string>

#include "carry/divergence.hpp"
#include "carry/errors.hpp"
#include "carry/self_check.hpp"
#include "carry/value_rules.hpp"
#include "exit_status.hpp"
#include "output.hpp"

namespace carry::cli {

namespace {
int fail(std::ostream& err, const std::string& message, int status) {
  std::fflush(stdout);  // what the command printed comes first
  err << "carry: error: " << one_line(message) << std::endl;
  return status;
}
}  // namespace

int report_failure(const std::exception_ptr& error, std::ostream& err,
                   const std::string& out_of_memory) {
  try {
    std::rethrow_exception(error);
  } catch (const UserError& e) {
    return fail(err, e.what(), kExitUsage);
  } catch (const DivergenceError& e) {
    return fail(err, e.what(), kExitDiverged);
  } catch (const SelfCheckFailure& e) {
    return fail(err, e.what(), kExitFailure);
  } catch (const OutputError& e) {
    return fail(err, e.what(), kExitFailure);
  } catch (const ResourceError& e) {
    return fail(err, e.what(), kExitFailure);
  } catch (const std::bad_alloc&) {
    return fail(err, out_of_memory, kExitFailure);
  } catch (const std::exception& e) {
    return fail(err, std::string("internal error: ") + e.what(), kExitFailure);
  } catch (...) {
    return fail(err, "internal error: an unknown exception", kExitFailure);
  }
}

}  // namespace carry::cli
